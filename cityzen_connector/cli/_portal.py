"""The reference portal (``web/``) on the local host: ``cityzen run`` serves it at ``/``, and in
embedded mode the agent desk's API at ``/desk/api`` on the same port (docs/desk.md).

``web/config.json`` and the Content-Security-Policy of ``web/staticwebapp.config.json`` name the
sign-in provider a deployment uses; both ship with the local provider's default origin
(``DEPLOYED_PROVIDER``). This run's provider may listen elsewhere (``--signin-port``): the
served copy of ``config.json`` and the policy then name this run's origin instead. Without the
local provider (an external one is configured), the files are served as they are.

The shipped ``config.json`` names no agents' pages: a deployed portal has none (agents work in
Dynamics 365). With the local provider, the served copy adds ``agents`` — the agents' issuer,
the desk's public client and the desk API's path — and the portal then shows the desk and the
dashboard in its navigation.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cityzen_connector import app
from cityzen_connector.app import _identity as configured
from cityzen_connector.settings import Settings

if TYPE_CHECKING:
    from cityzen_connector.localhost import StaticSiteConfig

WEB_DIR = "web"
CONFIG_FILE = "config.json"
#: The sign-in provider's origin written in web/config.json and web/staticwebapp.config.json.
DEPLOYED_PROVIDER = "http://127.0.0.1:7076"
#: Where the local host mounts the desk API (the desk room's own prefix).
DESK_PREFIX = "/desk/api"
Mount = tuple[str, Callable[..., Iterable[bytes]]]


def agents_pages(provider: str) -> dict[str, Any]:
    """The ``agents`` entry of the served ``config.json``: how the desk and the dashboard sign
    in (the local provider's agents' issuer, the desk's public client) and where the desk API
    is."""
    from cityzen_connector.signin import (  # noqa: PLC0415 - embedded only
        AGENT_API_SCOPE,
        AGENTS_PATH,
        LOCAL_DESK_CLIENT_ID,
    )

    return {
        "issuer": provider.rstrip("/") + AGENTS_PATH,
        "client_id": LOCAL_DESK_CLIENT_ID,
        "scope": f"openid profile {AGENT_API_SCOPE}",
        "redirect_path": "/desk/callback",
        "desk_api": DESK_PREFIX,
    }


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
    document = json.loads(text)
    if settings.local_mode:
        document["agents"] = agents_pages(provider)
    served = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    return StaticSiteConfig(
        root,
        generated={CONFIG_FILE: served.encode("utf-8")},
        origins={DEPLOYED_PROVIDER: provider},
    )


def desk_mounts(deps: app.Container) -> tuple[Mount, ...]:
    """The desk API at ``/desk/api`` in embedded mode; nothing otherwise (agents then work in
    Dynamics 365, and ``app.desk_app`` would refuse)."""
    if not deps.settings.local_mode:
        return ()
    return ((DESK_PREFIX, app.desk_app(deps)),)
