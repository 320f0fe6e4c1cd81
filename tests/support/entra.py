"""Entra ID on behalf of msal: an object for msal's own ``http_client`` seam that answers its
discovery and token requests (client credentials, and the managed identity endpoint), so msal
runs for real and nothing leaves the process."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

TENANT = "11111111-1111-1111-1111-111111111111"
CLIENT = "22222222-2222-2222-2222-222222222222"


class FakeResponse:
    def __init__(self, status: int, doc: Any) -> None:
        self.status_code = status
        self.text = json.dumps(doc)
        self.headers: dict[str, str] = {"Content-Type": "application/json"}

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise OSError(self.status_code)


class FakeEntra:
    """Answers msal's discovery and token requests; counts tokens issued."""

    def __init__(self, *, fail_with: dict[str, str] | None = None) -> None:
        self.issued = 0
        self.token_requests: list[dict[str, list[str]]] = []
        self.fail_with = fail_with

    def get(self, url: str, params: Any = None, headers: Any = None, **_: Any) -> FakeResponse:
        if "discovery/instance" in url:
            hosts = ["login.microsoftonline.com", "login.windows.net"]
            return FakeResponse(
                200, {"metadata": [{"preferred_network": hosts[0], "aliases": hosts}]}
            )
        if "openid-configuration" in url:
            base = f"https://login.microsoftonline.com/{TENANT}"
            return FakeResponse(200, {
                "authorization_endpoint": base + "/oauth2/v2.0/authorize",
                "token_endpoint": base + "/oauth2/v2.0/token",
                "issuer": base + "/v2.0",
            })  # fmt: skip
        # Managed identity endpoint (IMDS form): a token for the resource asked for.
        self.issued += 1
        self.token_requests.append({k: [str(v)] for k, v in (params or {}).items()})
        return FakeResponse(200, {
            "access_token": f"mi-token-{self.issued}", "expires_in": "3600",
            "resource": (params or {}).get("resource"), "token_type": "Bearer",
        })  # fmt: skip

    def post(self, url: str, params: Any = None, data: Any = None, **_: Any) -> FakeResponse:
        form = data if isinstance(data, dict) else parse_qs(data or "")
        self.token_requests.append({k: v if isinstance(v, list) else [v] for k, v in form.items()})
        if self.fail_with:
            return FakeResponse(400, self.fail_with)
        self.issued += 1
        return FakeResponse(200, {
            "access_token": f"app-token-{self.issued}", "expires_in": 3600,
            "token_type": "Bearer",
        })  # fmt: skip

    def close(self) -> None:
        pass
