"""Notifications by the citizen's preferences, where the webhooks leave.

``NotifyingOutbox`` wraps the webhook outbox (``cases.WebhookOutbox``): each status change and
each agent's message gets ``channel`` (the one the citizen chose for that kind of event:
``email``, ``sms`` or ``none``) and ``language`` in its ``data``, so the portal can inform them
itself, and the ``Notifier`` sends it when a channel is chosen and the record has an address for
it. ``none``: nothing is sent, the webhook still goes (the portal shows the change in the app).

The citizen's record is the local copy (``Profiles``); without one (they never opened their
record) the defaults apply (``email``, ``fr``) and the contact is copied from Dataverse to
know where to write. Sending is best effort: a failure is logged (event id and the error's
type, never the address) and the webhook is published all the same.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from cityzen_connector.cases import (
    MESSAGE_CREATED,
    STATUS_CHANGED,
    WebhookEvent,
    WebhookOutbox,
)
from cityzen_connector.models import NotificationPreferences

from ._notify import Notification, Notifier
from ._profiles import Profiles
from ._record import ProfileRecord

__all__ = ["NotifyingOutbox"]

_LOG = logging.getLogger("cityzen_connector.citizens.notify")
_KINDS = {STATUS_CHANGED: "status_changed", MESSAGE_CREATED: "agent_reply"}
_SUBJECTS = {
    ("status_changed", "fr"): "Votre demande {ticket} : {label}",
    ("status_changed", "en"): "Your request {ticket}: {label}",
    ("agent_reply", "fr"): "Nouvelle réponse sur votre demande",
    ("agent_reply", "en"): "New reply on your request",
}
_TEXTS = {
    ("status_changed", "fr"): "Le statut de votre demande {ticket} est maintenant : {label}.",
    ("status_changed", "en"): "Your request {ticket} is now: {label}.",
    ("agent_reply", "fr"): "Un agent vous a répondu. Retrouvez sa réponse dans votre espace.",
    ("agent_reply", "en"): "An agent has replied. Read the reply in your account.",
}


class NotifyingOutbox:
    def __init__(
        self,
        inner: WebhookOutbox,
        profiles: Profiles,
        notifier: Notifier,
        *,
        logger: logging.Logger = _LOG,
    ) -> None:
        self._inner, self._profiles, self._notifier, self._log = inner, profiles, notifier, logger

    def publish(self, event: WebhookEvent) -> None:
        kind = _KINDS.get(event.type)
        if kind is None:
            self._inner.publish(event)
            return
        record = self._record(event)
        chosen = record.preferences if record is not None else NotificationPreferences()
        channel = getattr(chosen, kind)
        data = {**event.data, "channel": channel, "language": chosen.language}
        self._inner.publish(replace(event, data=data))
        if channel != "none" and record is not None:
            self._send(event, kind, channel, chosen.language, record)

    def _record(self, event: WebhookEvent) -> ProfileRecord | None:
        if event.contact_id is None:
            return None
        try:
            return self._profiles.for_contact(event.contact_id)
        except Exception as exc:  # noqa: BLE001 - the webhook goes whatever happens here
            self._log.warning("preferences of event %s unread: %s", event.id, type(exc).__name__)
            return None

    def _send(
        self, event: WebhookEvent, kind: str, channel: str, language: str, record: ProfileRecord
    ) -> None:
        fmt = "email" if channel == "email" else "phone"
        spec = next((f for f in self._profiles.mapping.fields if f.format == fmt), None)
        to = record.shown(spec.name) if spec is not None else None
        if not to:
            self._log.info("event %s: no %s on the record, nothing sent", event.id, fmt)
            return
        ticket = str(event.data.get("ticket_number") or "")
        label = str(event.data.get("label_fr" if language == "fr" else "label_en") or "")
        words = {"ticket": ticket, "label": label}
        notification = Notification(
            id=event.id,
            kind=kind,  # type: ignore[arg-type]
            channel=channel,  # type: ignore[arg-type]
            language=language,  # type: ignore[arg-type]
            to=to,
            subject=_SUBJECTS[(kind, language)].format(**words),
            text=_TEXTS[(kind, language)].format(**words),
            case_id=_text(event.data.get("case_id")),
            request_id=_text(event.data.get("request_id")),
        )
        try:
            self._notifier.send(notification)
        except Exception as exc:  # noqa: BLE001 - best effort: the webhook carries the channel
            self._log.warning("notification %s not sent: %s", event.id, type(exc).__name__)
            return
        self._log.info("notification %s sent by %s", event.id, channel)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
