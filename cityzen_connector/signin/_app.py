"""The provider as a WSGI application (served by ``cityzen run`` on 127.0.0.1:7076).

Per issuer prefix (``""`` FranceConnect-shaped, ``/external`` portal accounts, ``/agents`` the
agents' stand-in Entra ID tenant, whose page offers the emulator's agents):
``/.well-known/openid-configuration`` (OpenID Connect Discovery 1.0 section 3), ``/jwks``,
``/authorize`` (GET: the request checked, then the consent or sign-in page; POST: the form),
``/token``, ``/userinfo`` (section 5.3), ``/logout`` (RP-Initiated Logout 1.0); and
``/external/signup``, ``/external/confirm``. Strict on purpose (RFC 9700, the OAuth 2.0
Security BCP): an unknown client or a ``redirect_uri`` not registered exactly is an error page,
never a redirect; parameters may not repeat (RFC 6749 section 3.1); PKCE S256 is required.
Every answer carries ``Content-Security-Policy: default-src 'self'; frame-ancestors 'none'``.
Nothing is logged but paths and outcome codes: never an e-mail, a password, a code or a token.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Callable
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode

import jwt

from . import _pages
from ._accounts import AccountStore
from ._config import AGENTS_PATH, EXTERNAL_PATH, Agent, IssuerName, SigninConfig
from ._cors import CORS_PATHS, allowed_origins, cors_headers, preflight_headers
from ._discovery import discovery_document
from ._errors import AccountError, FlowError
from ._flow import EpochClock, Flow, identity_claims, valid_challenge
from ._http import Reply, StartResponse, form_body, html, json_reply, oauth_error, params, redirect
from ._keys import SigningKeys
from ._people import IDENTITIES, Person

logger = logging.getLogger(__name__)

Outbox = Callable[[str], None]  # receives a confirmation link
_CSRF_COOKIE = "cz_signin_csrf"
_SIGNUP_COOKIE = "cz_signup_csrf"
_CSRF_REFUSED = "Formulaire expiré : il a été rechargé, envoyez-le de nouveau."


class SigninApp:
    """The WSGI callable; ``outbox`` receives account confirmation links."""

    def __init__(
        self,
        config: SigninConfig,
        keys: SigningKeys,
        accounts: AccountStore,
        *,
        clock: EpochClock,
        outbox: Outbox,
    ) -> None:
        self.config = config
        self.flow = Flow(config, keys, clock)
        self.accounts = accounts
        self.outbox = outbox
        self.origins = allowed_origins(u for c in config.clients for u in c.redirect_uris)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        try:
            reply = self._route(environ)
        except FlowError as exc:
            reply = html(_pages.message("Demande refusée", exc.description), "400 Bad Request")
        if _bare(str(environ.get("PATH_INFO", "/"))) in CORS_PATHS:
            reply.headers += cors_headers(environ.get("HTTP_ORIGIN"), self.origins)
        logger.info(
            "signin %s %s -> %s",
            environ.get("REQUEST_METHOD"),
            environ.get("PATH_INFO"),
            reply.status[:3],
        )
        start_response(reply.status, reply.headers)
        return [reply.body]

    # -- routing --------------------------------------------------------------------------------
    def _route(self, environ: dict[str, Any]) -> Reply:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "/")
        # A CORS preflight (docstring of _cors).
        if method == "OPTIONS" and _bare(path) in CORS_PATHS:
            reply = Reply("204 No Content", b"", "text/plain")
            reply.headers += preflight_headers(environ.get("HTTP_ORIGIN"), self.origins)
            return reply
        if path == "/signin.css" and method == "GET":
            return Reply("200 OK", _pages.STYLESHEET, "text/css; charset=utf-8")
        issuer: IssuerName = "franceconnect"
        if path.startswith(EXTERNAL_PATH + "/"):
            issuer, path = "external", path[len(EXTERNAL_PATH) :]
        elif path.startswith(AGENTS_PATH + "/"):
            if self.config.agents is None:
                return html(_pages.message("Page introuvable", path), "404 Not Found")
            issuer, path = "agents", path[len(AGENTS_PATH) :]
        query = params(environ.get("QUERY_STRING", ""))
        routes: dict[tuple[str, str], Callable[[], Reply]] = {
            ("GET", "/.well-known/openid-configuration"): lambda: json_reply(
                self.discovery(issuer)
            ),
            ("GET", "/jwks"): lambda: json_reply(self.flow.keys.jwks(issuer)),
            ("GET", "/authorize"): lambda: self._authorize(issuer, query),
            ("POST", "/authorize"): lambda: self._decide(issuer, environ),
            ("POST", "/token"): lambda: self._token(issuer, environ),
            ("GET", "/userinfo"): lambda: self._userinfo(issuer, environ),
            ("POST", "/userinfo"): lambda: self._userinfo(issuer, environ),
            ("GET", "/logout"): lambda: self._logout(issuer, query),
            ("GET", "/cli/callback"): lambda: html(_pages.message("Connexion", "Code reçu.")),
        }
        if issuer == "external":
            routes[("GET", "/signup")] = self._sign_up_form
            routes[("POST", "/signup")] = lambda: self._sign_up(environ)
            routes[("GET", "/confirm")] = lambda: self._confirm(query)
        handler = routes.get((method, path))
        if handler is not None:
            return handler()
        if any(known == path for _, known in routes):
            return html(_pages.message("Méthode refusée", method), "405 Method Not Allowed")
        return html(_pages.message("Page introuvable", path), "404 Not Found")

    def discovery(self, issuer: IssuerName) -> dict[str, Any]:
        return discovery_document(self.config, issuer)

    # -- /authorize -----------------------------------------------------------------------------
    def _authorize(self, issuer: IssuerName, query: dict[str, str]) -> Reply:
        client = self.config.client(query.get("client_id", ""))
        # A client is known at the issuers it is registered at only: the citizens' portal
        # never gets an agent's token, nor the agents' pages a citizen's.
        if client is None or issuer not in client.issuers:
            raise FlowError("invalid_client", "Client inconnu.")
        redirect_uri = query.get("redirect_uri", "")
        if redirect_uri not in client.redirect_uris:
            raise FlowError("invalid_request", "redirect_uri non enregistrée pour ce client.")
        state = query.get("state")

        def refuse(error: str, description: str) -> Reply:
            return self._back(
                issuer, redirect_uri, state, error=error, error_description=description
            )

        if query.get("response_type") != "code":
            return refuse("unsupported_response_type", "only code")
        scopes = query.get("scope", "").split()
        if "openid" not in scopes or not set(scopes) <= set(self.config.scopes_of(issuer)):
            return refuse("invalid_scope", "openid is required; unknown scopes are refused")
        if issuer == "agents" and len(set(scopes) - {"openid", "profile"}) != 1:
            # Entra ID issues an access token for the API whose permission was asked for.
            return refuse("invalid_scope", "the API's access_as_user scope is required")
        if query.get("code_challenge_method") != "S256" or not valid_challenge(
            query.get("code_challenge", "")
        ):
            return refuse("invalid_request", "PKCE with code_challenge_method S256 is required")
        if "none" in query.get("prompt", "").split():
            # OpenID Connect Core 1.0 section 3.1.2.6: no page may be shown, and this provider
            # keeps no browser session to sign in from; the portal then asks the citizen.
            return refuse("login_required", "no session: prompt=none cannot be satisfied")
        request_id, pending = self.flow.park(
            {
                "issuer": issuer,
                "client_id": client.client_id,
                "redirect_uri": redirect_uri,
                "scope": " ".join(scopes),
                "state": state,
                "nonce": query.get("nonce"),
                "challenge": query["code_challenge"],
            }
        )
        return self._form(issuer, request_id, pending.csrf, client.client_id)

    def _form(
        self, issuer: IssuerName, request_id: str, csrf: str, client_id: str, error: str = ""
    ) -> Reply:
        cookie = f"{_CSRF_COOKIE}={csrf}; Path=/; HttpOnly; SameSite=Strict"
        if issuer == "franceconnect":
            body = _pages.consent("authorize", request_id, csrf, client_id)
        elif issuer == "agents":
            assert self.config.agents is not None  # the route exists only with a tenant
            body = _pages.agent_choice(
                "authorize", request_id, csrf, client_id, self.config.agents.agents
            )
        else:
            body = _pages.account_sign_in("authorize", request_id, csrf, client_id, error)
        return html(body, "200 OK" if not error else "400 Bad Request", [("Set-Cookie", cookie)])

    def _back(
        self, issuer: IssuerName, redirect_uri: str, state: str | None, **values: str
    ) -> Reply:
        # RFC 9207: the issuer in the response tells two providers' answers apart (mix-up).
        params = {**values, **({"state": state} if state is not None else {})}
        params["iss"] = self.config.issuers[issuer]
        separator = "&" if "?" in redirect_uri else "?"
        return redirect(redirect_uri + separator + urlencode(params))

    def _decide(self, issuer: IssuerName, environ: dict[str, Any]) -> Reply:
        form = params(form_body(environ))
        cookies = SimpleCookie(environ.get("HTTP_COOKIE", ""))
        cookie = cookies[_CSRF_COOKIE].value if _CSRF_COOKIE in cookies else ""
        request_id = form.get("request_id", "")
        pending = self.flow.peek_pending(request_id)
        if pending is None or pending.issuer != issuer:
            raise FlowError("invalid_request", "Formulaire expiré ou invalide.")
        if form.get("decision") != "allow":
            pending = self.flow.take_pending(request_id, form.get("csrf", ""), cookie)
            return self._back(issuer, pending.redirect_uri, pending.state, error="access_denied")
        if issuer == "external":
            try:
                account, email = self.accounts.sign_in(
                    form.get("email", ""), form.get("password", "")
                )
            except AccountError as exc:
                self.flow.take_pending(request_id, form.get("csrf", ""), cookie)  # CSRF first
                logger.info("signin account refused: %s", exc.code)
                # A fresh form: the refused one is spent.
                request_id, fresh = self.flow.park(_args_of(pending))
                return self._form(issuer, request_id, fresh.csrf, pending.client_id, str(exc))
            person, claims = (
                Person("external", account),
                identity_claims("external", account, email),
            )
        elif issuer == "agents":
            agent = self.config.agents.agent(form.get("agent", "")) if self.config.agents else None
            if agent is None:
                raise FlowError("invalid_request", "Agent inconnu.")
            person, claims = Person("agents", agent.login), _agent_claims(agent)
        else:
            key = form.get("identity", "")
            if key not in IDENTITIES:
                raise FlowError("invalid_request", "Identité de test inconnue.")
            person, claims = Person("franceconnect", key), identity_claims("franceconnect", key)
        pending = self.flow.take_pending(request_id, form.get("csrf", ""), cookie)
        code = self.flow.issue_code(pending, person, claims)
        return self._back(issuer, pending.redirect_uri, pending.state, code=code)

    # -- /token, /userinfo, /logout -------------------------------------------------------------
    def _token(self, issuer: IssuerName, environ: dict[str, Any]) -> Reply:
        try:
            return json_reply(
                self.flow.exchange(issuer, params(form_body(environ))),
                headers=[("Pragma", "no-cache")],
            )
        except FlowError as exc:
            logger.info("signin token refused: %s", exc.error)
            return oauth_error(exc.error, exc.description)

    def _userinfo(self, issuer: IssuerName, environ: dict[str, Any]) -> Reply:
        header = environ.get("HTTP_AUTHORIZATION", "")
        scheme, _, token = header.partition(" ")
        challenge = [("WWW-Authenticate", 'Bearer error="invalid_token"')]
        if scheme.lower() != "bearer" or not token:
            return json_reply({"error": "invalid_token"}, "401 Unauthorized", challenge)
        try:
            claims = self.flow.keys.decode(issuer, token.strip(), self.config, self.flow.clock())
        except jwt.PyJWTError:
            return json_reply({"error": "invalid_token"}, "401 Unauthorized", challenge)
        reserved = {
            "iss",
            "aud",
            "exp",
            "iat",
            "jti",
            "client_id",
            "scope",
            "auth_time",
            "acr",
            "amr",
        }
        return json_reply({k: v for k, v in claims.items() if k not in reserved})

    def _logout(self, issuer: IssuerName, query: dict[str, str]) -> Reply:
        hint = query.get("id_token_hint", "")
        client_id = query.get("client_id", "")
        if hint:
            try:
                claims = self.flow.keys.decode(
                    issuer, hint, self.config, self.flow.clock(), id_token=True
                )
            except jwt.PyJWTError as exc:
                raise FlowError("invalid_request", "id_token_hint invalide.") from exc
            self.flow.sessions.pop(str(claims.get("sid", "")), None)
            client_id = client_id or str(claims.get("aud", ""))
        target = query.get("post_logout_redirect_uri")
        if target is not None:
            client = self.config.client(client_id)
            if client is None or target not in client.post_logout_redirect_uris:
                raise FlowError("invalid_request", "post_logout_redirect_uri non enregistrée.")
            state = query.get("state")
            suffix = ("&" if "?" in target else "?") + urlencode({"state": state}) if state else ""
            return redirect(target + suffix)
        return html(_pages.message("Vous êtes déconnecté", "Vous pouvez fermer cette page."))

    # -- portal accounts ------------------------------------------------------------------------
    def _sign_up_form(self, error: str = "", status: str = "200 OK") -> Reply:
        # Double-submit cookie (OWASP CSRF Prevention Cheat Sheet, "Signed Double-Submit
        # Cookie" without the signature: the cookie is HttpOnly, SameSite=Strict and
        # host-only, so another site can neither read it nor send it): the form carries the
        # same random value as the cookie, and a POST whose two values differ is refused.
        token = secrets.token_urlsafe(24)
        cookie = f"{_SIGNUP_COOKIE}={token}; Path={EXTERNAL_PATH}/signup; HttpOnly; SameSite=Strict"
        body = _pages.sign_up("signup", error, csrf=token)
        return html(body, status, [("Set-Cookie", cookie)])

    def _sign_up(self, environ: dict[str, Any]) -> Reply:
        form = params(form_body(environ))
        cookies = SimpleCookie(environ.get("HTTP_COOKIE", ""))
        cookie = cookies[_SIGNUP_COOKIE].value if _SIGNUP_COOKIE in cookies else ""
        sent = form.get("csrf", "")
        if not cookie or not hmac.compare_digest(sent.encode(), cookie.encode()):
            logger.info("signin sign-up refused: csrf")
            return self._sign_up_form(_CSRF_REFUSED, "403 Forbidden")
        try:
            token = self.accounts.sign_up(
                form.get("email", ""), form.get("password", ""), now=self.flow.clock()
            )
        except AccountError as exc:
            logger.info("signin sign-up refused: %s", exc.code)
            return self._sign_up_form(str(exc), "400 Bad Request")
        self.outbox(f"{self.config.issuers['external']}/confirm?{urlencode({'token': token})}")
        return html(_pages.sign_up("signup", done=True))

    def _confirm(self, query: dict[str, str]) -> Reply:
        try:
            self.accounts.confirm(query.get("token", ""), now=self.flow.clock())
        except AccountError as exc:
            return html(_pages.message("Lien invalide", str(exc)), "400 Bad Request")
        return html(_pages.message("Adresse confirmée", "Vous pouvez vous connecter."))


def _agent_claims(agent: Agent) -> dict[str, Any]:
    return {
        "oid": agent.object_id,
        "roles": agent.roles,
        "name": agent.name,
        "preferred_username": agent.login,
    }


def _bare(path: str) -> str:
    """The path without its issuer's prefix: every issuer's endpoints answer CORS alike."""
    for prefix in (EXTERNAL_PATH, AGENTS_PATH):
        if path.startswith(prefix + "/"):
            return path[len(prefix) :]
    return path


def _args_of(pending: Any) -> dict[str, Any]:
    names = ("issuer", "client_id", "redirect_uri", "scope", "state", "nonce", "challenge")
    return {name: getattr(pending, name) for name in names}
