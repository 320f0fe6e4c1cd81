"""Cold start: importing the Blueprint module must not pull in what only some deployments use."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_importing_the_blueprint_loads_only_the_routing_table() -> None:
    # The use cases, identity (PyJWT, cryptography), mappings and backends load on the first
    # request: the module itself must cost little more than azure.functions (cold start).
    code = (
        "import sys, functions.http_api; "
        "print(sorted(m for m in ('requests', 'msal', 'azure.servicebus', 'azure.data.tables',"
        " 'azure.storage.blob', 'tenacity', 'jwt', 'pydantic_settings',"
        " 'cityzen_connector.identity', 'cityzen_connector.mapping', 'cityzen_connector.sync',"
        " 'cityzen_connector.messaging', 'cityzen_connector.store') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True
    )
    assert out.stdout.strip() == "[]"


def test_the_api_itself_does_not_need_requests_in_function_key_mode() -> None:
    # identity's JWKS fetcher imports requests only when a bearer deployment builds it.
    code = (
        "import sys, cityzen_connector.api as a; a.build_api; "
        "print('requests' in sys.modules, 'cityzen_connector.identity' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True
    )
    assert out.stdout.split() == ["False", "True"]
