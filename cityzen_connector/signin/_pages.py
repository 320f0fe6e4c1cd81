"""The provider's pages, in French: every value escaped (``html.escape``), no script, no inline
style (the Content-Security-Policy is ``default-src 'self'``), labels on every field."""

from __future__ import annotations

from html import escape

from ._config import Agent
from ._people import IDENTITIES

STYLESHEET = (
    b"body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;"
    b"color:#161616}h1{font-size:1.5rem}fieldset{border:1px solid #929292;margin:1rem 0}"
    b"label{display:block;margin:.5rem 0}button{background:#000091;color:#fff;border:0;"
    b"padding:.6rem 1rem;font-size:1rem;margin:.5rem .5rem 0 0}button.secondary{background:#fff;"
    b"color:#000091;border:1px solid #000091}.error{color:#ce0500}"
)


def page(title: str, body: str) -> bytes:
    return (
        '<!doctype html>\n<html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{escape(title)}</title><link rel="stylesheet" href="/signin.css"></head>'
        f"<body><main><h1>{escape(title)}</h1>{body}</main></body></html>\n"
    ).encode()


def _hidden(request_id: str, csrf: str) -> str:
    return (
        f'<input type="hidden" name="request_id" value="{escape(request_id)}">'
        f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
    )


def consent(action: str, request_id: str, csrf: str, client_id: str) -> bytes:
    """FranceConnect-like: choose one sandbox identity, then continue or cancel."""
    choices = "".join(
        f'<label><input type="radio" name="identity" value="{escape(key)}"'
        f"{' checked' if n == 0 else ''}> {escape(who['given_name'])} "
        f"{escape(who['family_name'])} <small>({escape(key)})</small></label>"
        for n, (key, who) in enumerate(IDENTITIES.items())
    )
    body = (
        f"<p>Le service <strong>{escape(client_id)}</strong> demande votre identité.</p>"
        f'<form method="post" action="{escape(action)}">{_hidden(request_id, csrf)}'
        f"<fieldset><legend>Identité de test (bac à sable)</legend>{choices}</fieldset>"
        '<button type="submit" name="decision" value="allow">Continuer</button>'
        '<button type="submit" name="decision" value="deny" class="secondary">Annuler</button>'
        "</form>"
    )
    return page("Continuer sur votre espace particulier avec FranceConnect", body)


def agent_choice(
    action: str, request_id: str, csrf: str, client_id: str, agents: tuple[Agent, ...]
) -> bytes:
    """The agents' sign-in, in the spirit of the sandbox identities page: choose one of the
    emulator's agents (its app roles shown), then continue or cancel. No password: embedded
    mode only, where every agent is made up."""
    choices = "".join(
        f'<label><input type="radio" name="agent" value="{escape(agent.login)}"'
        f"{' checked' if n == 0 else ''}> {escape(agent.name)} "
        f"<small>({escape(agent.login)} — rôles : {escape(', '.join(agent.roles) or 'aucun')})"
        "</small></label>"
        for n, agent in enumerate(agents)
    )
    body = (
        f"<p>Le service <strong>{escape(client_id)}</strong> demande votre identité d'agent.</p>"
        f'<form method="post" action="{escape(action)}">{_hidden(request_id, csrf)}'
        f"<fieldset><legend>Agent de l'émulateur</legend>{choices}</fieldset>"
        '<button type="submit" name="decision" value="allow">Continuer</button>'
        '<button type="submit" name="decision" value="deny" class="secondary">Annuler</button>'
        "</form>"
    )
    return page("Connexion des agents (mode embarqué)", body)


def account_sign_in(
    action: str, request_id: str, csrf: str, client_id: str, error: str = ""
) -> bytes:
    """The portal accounts' sign-in form, with a link to create an account."""
    alert = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    body = (
        f"<p>Le service <strong>{escape(client_id)}</strong> demande votre identité.</p>{alert}"
        f'<form method="post" action="{escape(action)}">{_hidden(request_id, csrf)}'
        '<label for="email">Adresse électronique</label>'
        '<input id="email" name="email" type="email" autocomplete="email" required>'
        '<label for="password">Mot de passe</label>'
        '<input id="password" name="password" type="password" autocomplete="current-password"'
        " required>"
        '<button type="submit" name="decision" value="allow">Se connecter</button>'
        '<button type="submit" name="decision" value="deny" class="secondary">Annuler</button>'
        '</form><p><a href="signup">Créer un compte</a></p>'
    )
    return page("Continuer sur votre espace particulier avec votre compte", body)


def sign_up(action: str, error: str = "", done: bool = False, csrf: str = "") -> bytes:
    if done:
        return page(
            "Confirmez votre adresse",
            "<p>Un lien de confirmation vous a été envoyé. Ouvrez-le, puis connectez-vous.</p>",
        )
    alert = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    body = (
        f'{alert}<form method="post" action="{escape(action)}">'
        f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
        '<label for="email">Adresse électronique</label>'
        '<input id="email" name="email" type="email" autocomplete="email" required>'
        '<label for="password">Mot de passe (12 caractères au moins)</label>'
        '<input id="password" name="password" type="password" autocomplete="new-password"'
        ' minlength="12" required>'
        '<button type="submit">Créer mon compte</button></form>'
    )
    return page("Créer un compte", body)


def message(title: str, text: str) -> bytes:
    return page(title, f"<p>{escape(text)}</p>")
