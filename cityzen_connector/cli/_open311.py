# ruff: noqa: T201 - a CLI module: printing is its job
"""``cityzen open311 keys issue|list|revoke``: the api keys of Open311 client apps.

``issue NAME`` prints the new key once, on stdout, and never again: only its keyed hash is kept
(in the state store). ``list`` prints each key's id, app name, dates and state, never a key.
``revoke KEY_ID`` refuses the key from the next request on. docs/open311.md.
"""

from __future__ import annotations

import argparse
from typing import Any

from cityzen_connector.store import StoreError
from cityzen_connector.sync.intake import ApiKeyError, ApiKeyInfo

from ._common import container, fail


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    group = subparsers.add_parser("open311", help="Open311 GeoReport v2 client apps")
    sections = group.add_subparsers(dest="open311_command", metavar="SECTION", required=True)
    keys = sections.add_parser("keys", help="the apps' api keys")
    actions = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    issue = actions.add_parser("issue", help="issue a key for an app (printed once)")
    issue.add_argument("name", help="the app's name, e.g. FixMyStreet (80 characters at most)")
    issue.set_defaults(func=_issue)
    listed = actions.add_parser("list", help="every key: id, app, issued, revoked")
    listed.set_defaults(func=_list)
    revoke = actions.add_parser("revoke", help="revoke a key by its id")
    revoke.add_argument("key_id", help="the key's id (cityzen open311 keys list)")
    revoke.set_defaults(func=_revoke)


def _line(info: ApiKeyInfo) -> str:
    state = f"revoked {info.revoked_at.isoformat()}" if info.revoked_at else "active"
    return f"{info.key_id}  {info.name}  issued {info.created_at.isoformat()}  {state}"


def _issue(args: argparse.Namespace) -> int:
    deps = container()
    try:
        key, info = deps.open311_keys.issue(args.name)
    except (ApiKeyError, StoreError) as exc:
        return fail(exc)
    finally:
        deps.close()
    print(f"key id: {info.key_id}")
    print(f"api_key: {key}")
    print("Give this api_key to the app now: it is not kept and cannot be shown again.")
    return 0


def _list(_args: argparse.Namespace) -> int:
    deps = container()
    try:
        found = deps.open311_keys.list()
    except StoreError as exc:
        return fail(exc)
    finally:
        deps.close()
    for info in found:
        print(_line(info))
    if not found:
        print("no keys: cityzen open311 keys issue NAME")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    deps = container()
    try:
        info = deps.open311_keys.revoke(args.key_id)
    except (ApiKeyError, StoreError) as exc:
        return fail(exc)
    finally:
        deps.close()
    print(_line(info))
    return 0
