"""signin: the local sign-in provider of embedded mode — an OpenID Connect provider on
127.0.0.1 issuing FranceConnect v2-shaped identities, the portal's own e-mail accounts, and the
emulator's agents as an Entra ID tenant would (``/agents``).

Never deployed (like the emulator): ``cityzen run`` serves it, and the settings refuse it outside
embedded mode. It imports only the kernel — never ``identity`` — so that the API's verifier
checks its tokens as it would a real provider's, over HTTP. See docs/identity.md, "Local
sign-in provider (embedded mode)".
"""

from ._accounts import ACCOUNTS_FILE, AccountStore
from ._app import SigninApp
from ._config import (
    AGENT_API_SCOPE,
    AGENT_SCOPES,
    AGENTS_PATH,
    EXTERNAL_PATH,
    LOCAL_API_AUDIENCE,
    LOCAL_CLIENT_ID,
    LOCAL_DESK_CLIENT_ID,
    LOCAL_SCOPES,
    Agent,
    AgentTenant,
    Client,
    SigninConfig,
    desk_client,
    issuer_urls,
    portal_client,
)
from ._errors import AccountError, FlowError, LoginError, SigninError
from ._keys import KEY_FILE, SigningKeys
from ._login import login
from ._people import IDENTITIES

__all__ = [
    "ACCOUNTS_FILE",
    "AGENTS_PATH",
    "AGENT_API_SCOPE",
    "AGENT_SCOPES",
    "EXTERNAL_PATH",
    "IDENTITIES",
    "KEY_FILE",
    "LOCAL_API_AUDIENCE",
    "LOCAL_CLIENT_ID",
    "LOCAL_DESK_CLIENT_ID",
    "LOCAL_SCOPES",
    "AccountError",
    "AccountStore",
    "Agent",
    "AgentTenant",
    "Client",
    "FlowError",
    "LoginError",
    "SigninApp",
    "SigninConfig",
    "SigninError",
    "SigningKeys",
    "desk_client",
    "issuer_urls",
    "login",
    "portal_client",
]
