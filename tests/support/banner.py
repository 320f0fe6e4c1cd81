"""``cityzen run``'s banner as the CLI tests read it: the local host, the emulator and a fixed
function key, a fixed sample, no functions listed, and each test's own options on top."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from cityzen_connector.cli._run import banner


def run_banner(*, dataverse_url: str = "http://127.0.0.1:7072", **options: Any) -> str:
    given: dict[str, Any] = {
        "sample": Path("/tmp/sample-request.json"),
        "submission_id": uuid.UUID(int=1),
        "endpoints": [],
        **options,
    }
    return banner("http://127.0.0.1:7071", dataverse_url, "k3y", **given)
