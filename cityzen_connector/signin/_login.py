"""A non-interactive sign-in against the local provider (``cityzen identity login``): what a
portal does in a browser, done with ``requests`` — discovery, ``/authorize`` with PKCE S256
(RFC 7636), the consent or sign-in form (its CSRF token read from the page), the code from the
``Location`` of the redirect (never followed), ``state`` and ``iss`` checked (RFC 9207), the code
exchanged at ``/token``, the ID token's ``nonce`` checked. Only for 127.0.0.1. With ``agent``,
the same at the agents' issuer, as the agents' pages' client.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from ._config import AGENT_SCOPES, LOCAL_CLIENT_ID, LOCAL_DESK_CLIENT_ID
from ._errors import LoginError

_TIMEOUT = 10.0


class _Hidden(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "input" and found.get("type") == "hidden" and found.get("name"):
            self.fields[str(found["name"])] = found.get("value") or ""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def login(
    issuer: str,
    *,
    redirect_uri: str,
    identity: str | None = None,
    email: str | None = None,
    password: str | None = None,
    agent: str | None = None,
    client_id: str | None = None,
    session: requests.Session | None = None,
) -> dict[str, Any]:
    """The token response (``access_token``, ``id_token``…) for a sandbox ``identity`` (the
    FranceConnect-shaped issuer), a portal account's ``email`` and ``password``, or an
    ``agent``'s login (the agents' issuer)."""
    http = session or requests.Session()
    if client_id is None:
        client_id = LOCAL_DESK_CLIENT_ID if agent is not None else LOCAL_CLIENT_ID
    form: dict[str, str]
    if agent is not None:
        form = {"agent": agent}
    elif identity is not None:
        form = {"identity": identity}
    else:
        form = {"email": email or "", "password": password or ""}
    scope = " ".join(AGENT_SCOPES) if agent is not None else "openid profile email cityzen.requests"
    try:
        return _login(http, issuer, redirect_uri, form, scope, client_id)
    except requests.RequestException as exc:
        raise LoginError(f"the sign-in provider did not answer ({type(exc).__name__})") from exc


def _login(  # noqa: PLR0917 - the flow's inputs, passed once
    http: requests.Session,
    issuer: str,
    redirect_uri: str,
    who: dict[str, str],
    scope: str,
    client_id: str,
) -> dict[str, Any]:
    meta = http.get(issuer.rstrip("/") + "/.well-known/openid-configuration", timeout=_TIMEOUT)
    if meta.status_code != 200 or meta.json().get("issuer") != issuer:
        raise LoginError("discovery failed, or names another issuer")
    document = meta.json()
    verifier = secrets.token_urlsafe(48)
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    page = http.get(
        document["authorization_endpoint"],
        params={
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": scope,
            "state": state,
            "nonce": nonce,
            "code_challenge": _b64(hashlib.sha256(verifier.encode("ascii")).digest()),
            "code_challenge_method": "S256",
        },
        allow_redirects=False,
        timeout=_TIMEOUT,
    )
    if page.status_code != 200:
        raise LoginError(f"authorization request refused (HTTP {page.status_code})")
    hidden = _Hidden()
    hidden.feed(page.text)
    form: dict[str, str] = {**hidden.fields, "decision": "allow", **who}
    answer = http.post(
        document["authorization_endpoint"], data=form, allow_redirects=False, timeout=_TIMEOUT
    )
    if answer.status_code != 302:
        raise LoginError(f"sign-in refused (HTTP {answer.status_code})")
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    if query.get("state") != [state] or query.get("iss") != [issuer]:
        raise LoginError("the redirect's state or iss does not match")
    if "code" not in query:
        raise LoginError(f"no code: {query.get('error', ['?'])[0]}")
    reply = http.post(
        document["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": query["code"][0],
            "redirect_uri": redirect_uri,
            "client_id": client_id,
            "code_verifier": verifier,
        },
        timeout=_TIMEOUT,
    )
    if reply.status_code != 200:
        raise LoginError(f"token request refused: {reply.json().get('error', '?')}")
    tokens: dict[str, Any] = reply.json()
    # The ID token came straight from the token endpoint (OIDC Core section 3.1.3.7, 6.):
    # its nonce is compared; the API verifies the access token's signature itself.
    payload = tokens["id_token"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    if claims.get("nonce") != nonce:
        raise LoginError("the ID token's nonce does not match")
    return tokens
