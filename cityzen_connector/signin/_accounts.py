"""The portal's own accounts: an e-mail address and a password, confirmed before first use.

What Entra External ID's local accounts do in production, on this machine: passwords are never
stored, only an scrypt hash (RFC 7914, ``hashlib.scrypt``; N=2^14, r=8, p=1 with a 16-byte
random salt per account), compared in constant time; the file is 0600 in the data folder. A new
account gets a single-use confirmation token (only its SHA-256 is kept) that expires after a
day; the link goes to the injected ``outbox`` (``cityzen run`` prints it: no mail leaves the
machine). Sign-in answers the same for an unknown address and a wrong password.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
import uuid
from pathlib import Path
from typing import Any

from cityzen_connector._private import tighten, write_private

from ._errors import AccountError, SigninError

ACCOUNTS_FILE = "signin-accounts.json"
CONFIRMATION_SECONDS = 24 * 3600
MIN_PASSWORD, MAX_PASSWORD = 12, 128  # ANSSI / NIST SP 800-63B: length over composition rules
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
# A deliberately plain shape check (one @, a dot in the domain, no spaces); RFC 5321 caps 254.
_EMAIL = re.compile(r"^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$")


def _hash(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, **_SCRYPT)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


class AccountStore:
    """Accounts in one private JSON file; every change rewrites it atomically."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._data: dict[str, Any] = {"accounts": {}, "pending": {}}
        if path.exists():
            tighten(path)
            try:
                self._data = json.loads(path.read_bytes())
            except (OSError, ValueError) as exc:
                raise SigninError(f"unreadable accounts file {path}") from exc

    def _save(self) -> None:
        write_private(self._path, json.dumps(self._data).encode("utf-8"))

    def sign_up(self, email: str, password: str, *, now: float) -> str:
        """Create an unconfirmed account; the confirmation token (to put in a link)."""
        address = email.strip().lower()
        if len(address) > 254 or not _EMAIL.match(address):
            raise AccountError("invalid_email", "Adresse électronique invalide.")
        if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
            raise AccountError(
                "weak_password",
                f"Le mot de passe doit compter de {MIN_PASSWORD} à {MAX_PASSWORD} caractères.",
            )
        with self._lock:
            accounts = self._data["accounts"]
            if any(a["email"] == address for a in accounts.values()):
                # Said plainly: this is a local demo provider, and an account listing on one
                # laptop is not a secret worth a mail round trip.
                raise AccountError("email_taken", "Un compte existe déjà pour cette adresse.")
            salt = secrets.token_bytes(16)
            account_id = str(uuid.uuid4())
            accounts[account_id] = {
                "email": address,
                "salt": salt.hex(),
                "hash": _hash(password, salt).hex(),
                "confirmed": False,
            }
            token = secrets.token_urlsafe(32)
            self._data["pending"][_digest(token)] = {
                "account": account_id,
                "expires": now + CONFIRMATION_SECONDS,
            }
            self._save()
        return token

    def confirm(self, token: str, *, now: float) -> None:
        with self._lock:
            pending = self._data["pending"].pop(_digest(token), None)
            if pending is None or pending["expires"] < now:
                self._save()
                raise AccountError("invalid_link", "Lien de confirmation invalide ou expiré.")
            self._data["accounts"][pending["account"]]["confirmed"] = True
            self._save()

    def sign_in(self, email: str, password: str) -> tuple[str, str]:
        """(account id, e-mail address) of a confirmed account whose password matches."""
        address = email.strip().lower()
        with self._lock:
            found = next(
                ((i, a) for i, a in self._data["accounts"].items() if a["email"] == address),
                None,
            )
        # Hash even for an unknown address, so timing does not tell which addresses exist.
        salt = bytes.fromhex(found[1]["salt"]) if found else b"\0" * 16
        computed = _hash(password[:MAX_PASSWORD], salt)
        if found is None or not hmac.compare_digest(computed, bytes.fromhex(found[1]["hash"])):
            raise AccountError("bad_credentials", "Adresse ou mot de passe incorrect.")
        if not found[1]["confirmed"]:
            raise AccountError("unconfirmed", "Confirmez d'abord votre adresse (lien reçu).")
        return found[0], address
