"""The reference portal (``web/``) on the local host: ``cityzen run`` serves it at ``/``.

``web/config.json`` and the Content-Security-Policy of ``web/staticwebapp.config.json`` name the
sign-in provider a deployment uses; both ship with the local provider's default origin
(``DEPLOYED_PROVIDER``). This run's provider may listen elsewhere (``--signin-port``): the
served copy of ``config.json`` and the policy then name this run's origin instead. Without the
local provider (an external one is configured), the files are served as they are.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cityzen_connector.app import _identity as configured
from cityzen_connector.settings import Settings

if TYPE_CHECKING:
    from cityzen_connector.localhost import StaticSiteConfig

WEB_DIR = "web"
CONFIG_FILE = "config.json"
#: The sign-in provider's origin written in web/config.json and web/staticwebapp.config.json.
DEPLOYED_PROVIDER = "http://127.0.0.1:7076"


def portal_site(settings: Settings) -> StaticSiteConfig | None:
    """The portal's files for the local host, or ``None`` when the app folder has none."""
    from cityzen_connector.localhost import StaticSiteConfig  # noqa: PLC0415 - the host's own

    root = Path(settings.localhost_app_dir) / WEB_DIR
    if not (root / "index.html").is_file():
        return None
    if not settings.signin_provider:
        return StaticSiteConfig(root)
    provider = configured.signin_url(settings)
    text = (root / CONFIG_FILE).read_text(encoding="utf-8").replace(DEPLOYED_PROVIDER, provider)
    return StaticSiteConfig(
        root,
        generated={CONFIG_FILE: text.encode("utf-8")},
        origins={DEPLOYED_PROVIDER: provider},
    )
