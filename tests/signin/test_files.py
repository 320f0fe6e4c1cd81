"""The provider's files: created private, kept across restarts, a damaged one named, not quoted."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from cityzen_connector.signin import AccountError, AccountStore, SigninError, SigningKeys


def test_keys_are_created_0600_and_the_same_keys_come_back(tmp_path: Path) -> None:
    path = tmp_path / "data" / "keys.json"
    first = SigningKeys.load_or_create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = SigningKeys.load_or_create(path)
    assert again.jwks("franceconnect") == first.jwks("franceconnect")
    assert again.pairwise_secret == first.pairwise_secret
    assert all("d" not in key for key in first.jwks("external")["keys"])  # public halves only


@pytest.mark.parametrize("content", [b"{not json", b'{"issuers": {}}', b"[]"])
def test_a_damaged_key_file_is_named_and_its_content_never_repeated(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "keys.json"
    path.write_bytes(content)
    with pytest.raises(SigninError, match=r"unreadable sign-in key file .*keys\.json") as raised:
        SigningKeys.load_or_create(path)
    assert content.decode() not in str(raised.value)


def test_a_damaged_accounts_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "accounts.json"
    path.write_bytes(b"{oops")
    with pytest.raises(SigninError, match="unreadable accounts file"):
        AccountStore(path)


def test_accounts_survive_a_restart_and_links_expire(tmp_path: Path) -> None:
    path = tmp_path / "accounts.json"
    token = AccountStore(path).sign_up("Ana@Example.fr ", "a long enough secret", now=0.0)
    store = AccountStore(path)
    with pytest.raises(AccountError, match="expiré"):
        store.confirm(token, now=24 * 3600 + 1)  # a day later: expired
    token = store.sign_up("other@example.fr", "a long enough secret", now=0.0)
    store.confirm(token, now=10.0)
    account, email = AccountStore(path).sign_in("OTHER@example.fr", "a long enough secret")
    assert email == "other@example.fr"
    assert account
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("email", "password", "code"),
    [
        ("not-an-address", "a long enough secret", "invalid_email"),
        ("a@b", "a long enough secret", "invalid_email"),
        ("x" * 250 + "@example.fr", "a long enough secret", "invalid_email"),
        ("a@example.fr", "short", "weak_password"),
        ("a@example.fr", "x" * 129, "weak_password"),
    ],
)
def test_sign_up_refuses_bad_input_with_a_stable_code(
    tmp_path: Path, email: str, password: str, code: str
) -> None:
    with pytest.raises(AccountError) as refused:
        AccountStore(tmp_path / "a.json").sign_up(email, password, now=0.0)
    assert refused.value.code == code


def test_a_key_file_from_before_the_agents_issuer_gets_its_key_and_keeps_the_others(
    tmp_path: Path,
) -> None:
    path = tmp_path / "keys.json"
    first = SigningKeys.load_or_create(path)
    document = json.loads(path.read_bytes())
    del document["issuers"]["agents"]  # as written before the agents' issuer existed
    path.write_bytes(json.dumps(document).encode())
    again = SigningKeys.load_or_create(path)
    assert again.jwks("franceconnect") == first.jwks("franceconnect")  # citizens' keys kept
    assert [k["alg"] for k in again.jwks("agents")["keys"]] == ["RS256"]
    assert "agents" in json.loads(path.read_bytes())["issuers"]  # written back
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert SigningKeys.load_or_create(path).jwks("agents") == again.jwks("agents")
