"""Where the repository's files are."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAPPINGS = ROOT / "mappings"
# The contact keys' HMAC key in tests (a real deployment's is a secret of 16+ characters).
PEPPER = b"test-pepper"
