"""Settings reach the API's dependencies: every api_* knob, and configuration mistakes refused
before serving. Building makes no network call."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from cityzen_connector.api import ApiRequest, Headers, build_api, dependencies_from_settings
from cityzen_connector.identity import IdentityConfigError
from cityzen_connector.settings import Settings

from .support import JPEG, ROOT, FakeClock, submission, upload


def settings(tmp_path: Path, **values: Any) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        queue_url="memory://",
        store_url="memory://",
        blob_url="memory://",
        mappings_dir=ROOT / "mappings",
        data_dir=tmp_path,
        **values,
    )


def test_every_api_setting_is_wired(tmp_path: Path) -> None:
    deps = dependencies_from_settings(
        settings(
            tmp_path,
            api_max_body_bytes=4096,
            api_max_attachments=2,
            api_max_attachment_bytes=1000,
            api_max_attachments_total_bytes=1500,
            api_attachment_types="image/png, application/pdf",
            api_portal_key="k",
            api_themes_cache_seconds=42,
            api_ready_cache_seconds=3,
            submissions_queue="inbox",
            retention_days=7,
            identity_pepper="pepper",
        ),
        clock=FakeClock(),
    )
    limits = deps.ingest.limits
    assert (limits.max_count, limits.max_bytes, limits.max_total_bytes) == (2, 1000, 1500)
    assert limits.types == frozenset({"image/png", "application/pdf"})
    assert deps.max_body_bytes == 4096
    assert deps.portal_key == "k"
    assert deps.themes_max_age == timedelta(seconds=42)
    assert deps.readiness.ttl == timedelta(seconds=3)
    assert deps.ingest.queue == "inbox"
    assert deps.ingest.retention == timedelta(days=7)
    assert deps.ingest.identity_key == b"pepper"
    assert deps.authenticator is None  # function_key mode: no token verification at all


def test_the_built_api_accepts_a_submission_and_refuses_the_unlisted_type(
    tmp_path: Path,
) -> None:
    png_only = settings(tmp_path, api_attachment_types="image/png")
    api = build_api(dependencies_from_settings(png_only))
    body = submission(attachments=[upload(JPEG)])
    request = ApiRequest(
        "POST",
        "/v1/requests",
        Headers({"Content-Type": "application/json"}),
        json.dumps(body).encode(),
        function_key_valid=True,
    )
    assert api.handle(request).status == 415


def test_bearer_mode_without_an_issuer_is_refused_at_start(tmp_path: Path) -> None:
    with pytest.raises(IdentityConfigError):
        dependencies_from_settings(settings(tmp_path, auth_mode="bearer"), fetch=lambda url: {})


def test_unknown_attachment_types_are_refused_at_start(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="image/gif"):
        dependencies_from_settings(settings(tmp_path, api_attachment_types="image/gif"))


def test_bearer_mode_builds_the_verifier_without_fetching_keys(tmp_path: Path) -> None:
    fetched: list[str] = []
    deps = dependencies_from_settings(
        settings(
            tmp_path,
            auth_mode="bearer",
            auth_oidc_issuer="https://idp.example.fr/v2.0",
            auth_oidc_audience="api://cityzen",
            auth_oidc_jwks_uri="https://idp.example.fr/keys",
        ),
        fetch=lambda url: fetched.append(url) or {"keys": []},
    )
    assert deps.authenticator is not None
    assert fetched == []
