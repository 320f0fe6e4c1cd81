"""Parsing of ``azuretables://`` / ``azureblob://`` URLs (no I/O)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from cityzen_connector.store._errors import UnsupportedStoreUrlError


def account_url(rest: str) -> str:
    """``acct.table.core.windows.net`` → ``https://acct.table.core.windows.net``.

    A full ``http(s)://`` URL is kept as is (Azurite: ``http://127.0.0.1:10002/devstoreaccount1``).
    """
    rest = rest.strip("/")
    if not rest:
        raise UnsupportedStoreUrlError("the storage account URL is missing")
    return rest if rest.startswith(("https://", "http://")) else f"https://{rest}"


def split_table_url(url: str, default_table: str) -> tuple[str, str]:
    """``azuretables://<account URL>[?table=name]`` → (account URL, table)."""
    parts = urlsplit(url.removeprefix("azuretables://"))
    table = parse_qs(parts.query).get("table", [default_table])[0]
    base = parts._replace(query="").geturl()
    return account_url(base), table


def split_blob_url(url: str) -> tuple[str, str]:
    """``azureblob://<account URL>/<container>`` → (account URL, container)."""
    rest = url.removeprefix("azureblob://").rstrip("/")
    account, _, container = rest.rpartition("/")
    if not container or not account or account.endswith(":/"):
        raise UnsupportedStoreUrlError("azureblob:// needs <account URL>/<container>")
    return account_url(account), container
