"""The package's shape: one definition of its literals, and an import that costs nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import get_args

from cityzen_connector import identity, settings

ROOT = Path(__file__).resolve().parents[2]


def test_settings_name_identitys_literals_rather_than_redefine_them() -> None:
    assert settings.AuthMode is identity.AuthMode
    assert settings.TokenTypeCheck is identity.TokenTypeCheck
    assert get_args(identity.AuthMode) == ("function_key", "bearer", "both")
    fields = settings.Settings.model_fields
    assert get_args(fields["auth_mode"].annotation) == get_args(identity.AuthMode)


def test_importing_identity_or_settings_loads_no_token_library() -> None:
    # settings imports identity for its literals; the verifier's PyJWT and cryptography, and
    # the fetcher's requests, load only when a bearer deployment uses them.
    code = (
        "import sys, cityzen_connector.identity, cityzen_connector.settings; "
        "print(sorted(m for m in ('jwt', 'cryptography', 'requests') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True
    )
    assert out.stdout.strip() == "[]"


def test_every_exported_name_resolves() -> None:
    for name in identity.__all__:
        assert getattr(identity, name) is not None
