"""bench/chaos.py's load: citizens, their submissions, and the clients that post them.

Each citizen files three requests with the same identity (FranceConnect pivot claims, same
issuer and ``sub``) and different subjects; they typed an e-mail and a phone, which are not
certified, so the contact created for them must get them (``fill_blanks``). The clients post
as a portal back end does: a cut connection, a 5xx or a 409 (the same id still in flight) is
tried again later with the same id and body.
"""

from __future__ import annotations

import base64
import json
import random
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import requests

from cityzen_connector.models import EXAMPLE_SUBMISSION, PIVOT_FIELDS

SUBMISSIONS_PER_CITIZEN = 3
ISSUER = "https://fcp-low.sbx.dev-franceconnect.fr/api/v2"
THEMES: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("voirie", "nid_de_poule", {"taille": "moyen"}),
    ("dechets", "collecte", {}),
    ("voirie", "tags", {}),
    ("stationnement", "pmr", {}),
    ("enfance", "creches", {}),
)
GIVEN_NAMES = ("Angela Claire", "Jean", "Léa", "Mohamed", "Chloé", "Étienne", "Inès", "Hugo")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256))
POST_TIMEOUT = 10.0
# A submission's posts stop this long after its first answer that asks to try again: a host
# killed between reserving an id and accepting it answers 409 "in flight" for the ingest
# record's two-minute lease, which no run waits out.
ANSWERED_BUDGET_SECONDS = 10.0
# ... or this long after its first try, however many posts found no host listening (a
# restarting `cityzen run` provisions before it listens, through the injected faults).
POST_BUDGET_SECONDS = 180.0
RETRY_PAUSE = 0.2


@dataclass(frozen=True)
class Citizen:
    sub: str
    expected_email: str  # what they typed, as the contact must hold it
    expected_phone: str
    claims: dict[str, Any] = field(repr=False)


def citizens(count: int, rng: random.Random) -> list[Citizen]:
    people = []
    for index in range(count):
        code = "".join(chr(ord("A") + (index // 26**k) % 26) for k in range(4))
        digits = f"{rng.randrange(10**8):08d}"
        email = f"Citoyen.{code}@Exemple.fr"
        sub = f"{rng.getrandbits(128):032x}"
        claims = {
            "issuer": ISSUER,
            "sub": sub,
            "given_name": rng.choice(GIVEN_NAMES),
            "family_name": f"CHAOS-{code}",
            "birthdate": (date(1940, 1, 1) + timedelta(days=rng.randrange(23_000))).isoformat(),
            "gender": rng.choice(("male", "female")),
            "birthplace": "75107",
            "birthcountry": "99100",
            "email": email,
            "phone": "06 " + " ".join(digits[i : i + 2] for i in range(0, 8, 2)),
            "eidas_level": "eidas1",
            "certified": list(PIVOT_FIELDS),  # the e-mail and phone were typed
        }
        people.append(Citizen(sub, email.lower(), "+336" + digits, claims))
    return people


def submissions(
    people: Iterable[Citizen], rng: random.Random, *, attachment_share: float
) -> dict[str, tuple[Citizen, dict[str, Any]]]:
    """Request bodies by submission id, with who filed each."""
    photo = {"file_name": "photo.jpg", "content_base64": base64.b64encode(JPEG).decode()}
    bodies = {}
    for person in people:
        for number in range(1, SUBMISSIONS_PER_CITIZEN + 1):
            theme, sub_theme, fields = rng.choice(THEMES)
            submission_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            bodies[submission_id] = (
                person,
                {
                    "id": submission_id,
                    "theme": theme,
                    "sub_theme": sub_theme,
                    "subject": f"Demande {number} de l'essai : {sub_theme}",
                    "description": "Déposée pendant l'essai de chaos.",
                    "location": EXAMPLE_SUBMISSION["location"],
                    "channel": "portal",
                    "fields": fields,
                    "attachments": [photo] if rng.random() < attachment_share else [],
                    "citizen": person.claims,
                },
            )
    return bodies


@dataclass
class Posts:
    """What the clients saw, shared by their threads."""

    total: int
    accepted: set[str] = field(default_factory=set)
    answers: Counter[str] = field(default_factory=Counter)
    done: int = 0
    finished: float = 0.0  # time.monotonic() when the last post was settled
    changed: threading.Condition = field(default_factory=threading.Condition)

    def record(self, answer: str, submission_id: str | None = None) -> None:
        with self.changed:
            self.answers[answer] += 1
            if submission_id is not None:
                self.accepted.add(submission_id)

    def settle_one(self) -> None:
        with self.changed:
            self.done += 1
            if self.done == self.total:
                self.finished = time.monotonic()
            self.changed.notify_all()

    def reached(self, fraction: float) -> float:
        """Block until that share of the posts is settled; ``finished`` (0 until all are)."""
        with self.changed:
            self.changed.wait_for(lambda: self.done >= fraction * self.total)
            return self.finished


@dataclass
class Entry:
    body: dict[str, Any]
    first_try: float | None = None
    first_answer: float | None = None  # the first 409 or 5xx
    not_before: float = 0.0

    def expired(self) -> bool:
        now = time.monotonic()
        if self.first_answer is not None and now - self.first_answer > ANSWERED_BUDGET_SECONDS:
            return True
        return self.first_try is not None and now - self.first_try > POST_BUDGET_SECONDS


class Work:
    """The posts still to make; one to try again goes to the back of the line."""

    def __init__(self, bodies: Iterable[dict[str, Any]]) -> None:
        self._entries = deque(Entry(body) for body in bodies)
        self._lock = threading.Lock()

    def take(self) -> Entry | None:
        with self._lock:
            return self._entries.popleft() if self._entries else None

    def again(self, entry: Entry) -> None:
        entry.not_before = time.monotonic() + RETRY_PAUSE
        with self._lock:
            self._entries.append(entry)


def post(http: requests.Session, url: str, key: str, entry: Entry, posts: Posts) -> bool:
    """One try; True once settled (a 202 or a refusal)."""
    time.sleep(max(0.0, entry.not_before - time.monotonic()))
    entry.first_try = entry.first_try or time.monotonic()
    headers = {"Content-Type": "application/json", "x-functions-key": key}
    payload = json.dumps(entry.body, ensure_ascii=False).encode()
    try:
        answer = http.post(url, data=payload, headers=headers, timeout=POST_TIMEOUT)
    except requests.RequestException:
        posts.record("no answer (host down)")
        time.sleep(RETRY_PAUSE)  # every post fails alike until the host is back
        return False
    if answer.status_code == 202:
        posts.record("202", entry.body["id"])
        return True
    posts.record(str(answer.status_code))
    if answer.status_code in (409, 500, 502, 503):
        entry.first_answer = entry.first_answer or time.monotonic()
        return False
    return True


def client(work: Work, url: str, key: str, posts: Posts, stop: threading.Event) -> None:
    with requests.Session() as http:
        while not stop.is_set() and (entry := work.take()) is not None:
            if post(http, url, key, entry, posts):
                posts.settle_one()
            elif entry.expired():
                posts.record("given up")
                posts.settle_one()
            else:
                work.again(entry)
