"""identity's knobs as literals, in a module that imports nothing of ours.

``settings`` imports them from here (a library defines its own vocabulary; the settings class
only names it), so this module must never import ``settings``.
"""

from __future__ import annotations

from typing import Literal

#: Who may call the API. ``function_key``: only the trusted portal back end, with a function
#: key; ``bearer``: browsers and apps with OAuth 2.0 access tokens; ``both``: either (a request
#: carrying a token is judged on the token alone).
AuthMode = Literal["function_key", "bearer", "both"]

#: ``rfc9068``: the header must say ``typ: at+jwt`` (RFC 9068 section 2.1), the only marker an
#: ID token cannot carry. ``claims``: for providers that type access tokens as plain ``JWT``
#: (Microsoft Entra ID does), the payload must carry access-token claims (``scp``, ``scope`` or
#: ``roles``) and none of the ID-token-only ones (``nonce``, ``at_hash``, ``c_hash``).
#: In both modes ``aud`` must name our API, and an ``aud`` naming a configured client id (which
#: is what an ID token's audience is, OpenID Connect Core section 2) is refused as an ID token.
TokenTypeCheck = Literal["rfc9068", "claims"]

#: The app role an ops token's ``roles`` claim must hold (``CITYZEN_OPS_ROLE``'s default).
DEFAULT_OPS_ROLE = "CityZen.Ops"
