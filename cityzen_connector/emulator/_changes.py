"""Change tracking: ``Prefer: odata.track-changes`` answers an ``@odata.deltaLink``; the delta
link answers the rows created or changed since, then a ``$deletedEntity`` entry per row deleted
since. Shapes are those of "Use change tracking to synchronize data with external systems"
(Microsoft Learn, https://learn.microsoft.com/power-apps/developer/data-platform/
use-change-tracking-synchronize-data-external-systems), "Retrieve changes in tables using Web
API example".

Every write draws a row version from the store's one sequence (``_store.ROW_VERSION``) and a
deletion keeps the row's id with a version of its own. A delta token carries the last version
its answer covers; the next delta is "the versions after it". That bound is read once, under the
store's lock, and every page reads up to it: a write that lands while pages are read has a
higher version and comes with the next delta, never lost. Pages follow the version order from
the last version served (a keyset, not an offset), so a row changed between two pages moves out
of this answer without shifting the others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from cityzen_connector.emulator import _error_catalogue as err
from cityzen_connector.emulator._context import HandlerContext
from cityzen_connector.emulator._http import Request, Response, json_response
from cityzen_connector.emulator._query import (
    DEFAULT_PAGE,
    check_options,
    parse_select,
    wants_annotations,
)
from cityzen_connector.emulator._schema import Entity
from cityzen_connector.emulator._store import Row, Store

TRACK_CHANGES = "odata.track-changes"
# The page: "$filter, $orderby, $expand and $top aren't supported when using the Prefer:
# odata.track-changes header", each refused with its documented message.
REFUSED = ("$filter", "$orderby", "$expand", "$top")
ALLOWED = frozenset({"$select", "$deltatoken", "$skiptoken"})
# "Changes are returned if the last token is within a default value of 7 days" (the
# organization's ExpireChangeTrackingInDays); an older token is ExpiredVersionStamp.
EXPIRE_AFTER = timedelta(days=7)
# The documented token is "<version>!<MM/dd/yyyy HH:mm:ss>" ("919042!08/22/2017 08:10:44").
_TOKEN_RE = re.compile(r"^(\d{1,18})!(\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2})$")
_ISSUED_FORMAT = "%m/%d/%Y %H:%M:%S"
_COOKIE_RE = re.compile(
    r'^<cookie pagenumber="(\d{1,9})" istracking="True" since="(\d{1,18})" '
    r'upto="(\d{1,18})" delta="(True|False)" phase="(rows|deleted)" last="(\d{1,18})" />$'
)


@dataclass(frozen=True)
class _Cursor:
    """Where an answer stands: versions in (since, upto], served up to ``last`` in ``phase``
    (changed rows first, then deletions, as the page says Dataverse "usually" orders them)."""

    page: int
    since: int
    upto: int
    delta: bool  # an answer to a delta link: deletions included, context ".../$delta"
    phase: str = "rows"
    last: int = 0

    def cookie(self) -> str:
        return (
            f'<cookie pagenumber="{self.page}" istracking="True" since="{self.since}" '
            f'upto="{self.upto}" delta="{self.delta}" phase="{self.phase}" last="{self.last}" />'
        )


def tracks_changes(req: Request) -> bool:
    """Whether a collection request asks for changes: the preference, a delta link, or the
    next page of either."""
    if TRACK_CHANGES in req.prefer() or "$deltatoken" in req.query:
        return True
    return 'istracking="True"' in req.query.get("$skiptoken", "")


def handle_changes(context: HandlerContext, entity: Entity, req: Request) -> Response:
    if not entity.change_tracking:
        raise err.change_tracking_not_enabled(entity.logical_name)
    for option in REFUSED:
        if option in req.query:
            raise err.option_with_change_tracking(option)
    check_options(req.query, ALLOWED)
    select = parse_select(entity, req.query.get("$select"))
    size, headers = _page_size(req)
    now = context.clock()
    with context.store.lock:  # the bound and the pages below it, read together
        cursor = _cursor(req, context.store.current_version(), now)
        rows, deleted, following = _page(context.store, entity, cursor, size)
    root = req.service_root
    shape = f"{root}$metadata#{entity.entity_set}" + (f"({','.join(select)})" if select else "")
    body: dict[str, Any] = {"@odata.context": shape + ("/$delta" if cursor.delta else "")}
    if following is None:
        token = f"{cursor.upto}!{_utc(now).strftime(_ISSUED_FORMAT)}"
        body["@odata.deltaLink"] = _link(root, entity, select, "$deltatoken", token)
    annotations = wants_annotations(req)
    body["value"] = [
        context.records.serialize(entity, row, select, annotations) for row in rows
    ] + [
        {
            "@odata.context": f"{root}$metadata#{entity.entity_set}/$deletedEntity",
            "id": record_id,
            "reason": "deleted",
        }
        for record_id, _ in deleted
    ]
    if following is not None:
        body["@odata.nextLink"] = _link(root, entity, select, "$skiptoken", following.cookie())
    return json_response(200, body, headers)


def _page_size(req: Request) -> tuple[int, list[tuple[str, str]]]:
    prefer = req.prefer()
    headers = [("Preference-Applied", TRACK_CHANGES)] if TRACK_CHANGES in prefer else []
    size = DEFAULT_PAGE
    if "odata.maxpagesize" in prefer:
        try:
            size = max(1, min(DEFAULT_PAGE, int(prefer["odata.maxpagesize"])))
        except ValueError:
            raise err.bad_request("The odata.maxpagesize preference must be an integer.") from None
        headers.append(("Preference-Applied", f"odata.maxpagesize={size}"))
    if "odata.include-annotations" in prefer:
        value = prefer["odata.include-annotations"]
        headers.append(("Preference-Applied", f'odata.include-annotations="{value}"'))
    return size, headers


def _cursor(req: Request, current: int, now: datetime) -> _Cursor:
    if "$skiptoken" in req.query:
        match = _COOKIE_RE.match(req.query["$skiptoken"])
        if match is None:
            raise err.query_error("The $skiptoken value is not valid.")
        page, since, upto, delta, phase, last = match.groups()
        return _Cursor(int(page), int(since), int(upto), delta == "True", phase, int(last))
    if "$deltatoken" not in req.query:
        return _Cursor(2, 0, current, delta=False)  # the initial answer: every row, no deletion
    since, issued = _token(req.query["$deltatoken"])
    if _utc(now) - issued > EXPIRE_AFTER:
        raise err.expired_version_stamp()
    return _Cursor(2, since, max(since, current), delta=True, last=since)


def _token(text: str) -> tuple[int, datetime]:
    """(version, time issued) of a delta token."""
    match = _TOKEN_RE.match(text)
    try:
        if match is not None:
            issued = datetime.strptime(match.group(2), _ISSUED_FORMAT).replace(tzinfo=UTC)
            return int(match.group(1)), issued
    except ValueError:
        pass
    raise err.query_error("The $deltatoken value is not valid.")


def _page(
    store: Store, entity: Entity, cursor: _Cursor, size: int
) -> tuple[list[Row], list[tuple[str, int]], _Cursor | None]:
    """One page: changed rows in version order, then (in a delta) deletions; and the cursor of
    the next page, or None on the last one."""
    rows: list[Row] = []
    if cursor.phase == "rows":
        rows = store.select(
            entity.logical_name,
            where="r.version > ? AND r.version <= ?",
            params=[cursor.last, cursor.upto],
            order="r.version ASC",
            order_params=[],
            limit=size + 1,
            offset=0,
        )
        if len(rows) > size:
            rows = rows[:size]
            return rows, [], replace(cursor, page=cursor.page + 1, last=rows[-1].version)
        if not cursor.delta:
            return rows, [], None
        cursor = replace(cursor, phase="deleted", last=cursor.since)
    room = size - len(rows)
    gone = store.deletions(entity.logical_name, after=cursor.last, upto=cursor.upto, limit=room + 1)
    if len(gone) > room:
        gone = gone[:room]
        last = gone[-1][1] if gone else cursor.last
        return rows, gone, replace(cursor, page=cursor.page + 1, phase="deleted", last=last)
    return rows, gone, None


def _link(root: str, entity: Entity, select: list[str] | None, name: str, value: str) -> str:
    """``accounts?$select=name,fax&$deltatoken=919042%2108%2f22%2f2017%2008%3a10%3a44``: the
    documented link keeps the commas of ``$select`` and escapes the token in lower case."""
    query = f"$select={','.join(select)}&" if select else ""
    escaped = re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), quote(value, safe=""))
    return f"{root}{entity.entity_set}?{query}{name}={escaped}"


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
