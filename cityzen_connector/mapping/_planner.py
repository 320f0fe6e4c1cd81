"""``plan_submission``: one submission + a mapping set -> the frozen writes of one change set.

Pure: no I/O, no client. The pipeline sends the operations in order as one ``$batch`` change set
(Content-IDs ``1..n``), resolves ``LookupRef``s (team by name, subject by title) from its cache
first, fills ``BlobContent`` from the blob store, and runs the look-alike check and the
``fill_blanks`` writes only for a contact the change set created (HTTP 201, not 204).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cityzen_connector.models import AttachmentRef, FormValue, Submission

from ._errors import PlanError
from ._expressions import (
    BindId,
    BindKey,
    BindWhere,
    Blob,
    Copy,
    Expression,
    Ref,
    ValueExpression,
)
from ._mappingset import MappingSet, Target
from ._matching import identity_key, lookalike_query, pivot_key
from ._plan_types import (
    Bind,
    BlobContent,
    ContentRef,
    LookalikeCheck,
    LookupRef,
    Operation,
    RecordRef,
    Route,
    Scalar,
    SubmissionPlan,
)
from ._scope import Scope, Value


@dataclass(frozen=True)
class PlanContext:
    """What the planner needs besides the submission: the keys' pepper (a secret)."""

    pepper: bytes = b""

    def __repr__(self) -> str:
        return "PlanContext(pepper=<hidden>)"


def plan_submission(
    submission: Submission, mapping: MappingSet, *, context: PlanContext
) -> SubmissionPlan:
    """Turn ``submission`` into ordered operations; ``PlanError`` when it cannot be mapped."""
    catalog = mapping.catalog
    place = submission.location.citycode if submission.location is not None else None
    route = catalog.route(submission.theme, submission.sub_theme, citycode=place)
    values = catalog.validate_fields(submission.theme, submission.sub_theme, submission.fields)
    theme = catalog.themes[route.theme]
    derived: dict[str, Value | None] = {
        "match.identity_key": identity_key(
            submission.citizen.issuer, submission.citizen.sub, pepper=context.pepper
        ),
        "match.pivot_key": pivot_key(submission.citizen, pepper=context.pepper),
        "routing.team": route.team,
        "routing.subject": route.subject,
        "routing.theme_title": theme.title,
        "routing.sub_theme_title": theme.sub_themes[route.sub_theme].title,
        "forms.summary": catalog.summary(route.theme, route.sub_theme, values) or None,
    }
    operations: list[Operation] = []
    content_ids: dict[str, str] = {}
    for target in mapping.targets:
        items: list[AttachmentRef | None] = (
            list(submission.attachments) if target.config.for_each else [None]
        )
        for attachment in items:
            scope = Scope(submission, derived, attachment)
            content_id = str(len(operations) + 1)
            extra = _form_columns(mapping, target, route, values)
            operations.append(_operation(target, scope, content_id, content_ids, extra))
            content_ids.setdefault(target.name, content_id)
    lookups = frozenset(
        bind for op in operations for bind in op.binds.values() if isinstance(bind, LookupRef)
    )
    return SubmissionPlan(
        submission_id=submission.id,
        route=route,
        operations=tuple(operations),
        lookups=lookups,
        lookalike=_lookalike(mapping, operations, Scope(submission, derived)),
    )


def _form_columns(
    mapping: MappingSet, target: Target, route: Route, values: Mapping[str, FormValue]
) -> dict[str, Scalar]:
    if target.name != mapping.case_target:
        return {}
    columns = mapping.catalog.form_columns(route.theme, route.sub_theme)
    found = {column: values.get(name) for name, column in columns}
    return {column: v for column, v in found.items() if isinstance(v, str | int | float | bool)}


@dataclass
class _Columns:
    body: dict[str, Scalar]
    fill_blanks: dict[str, Scalar]
    binds: dict[str, Bind]
    blobs: dict[str, BlobContent]


def _columns(target: Target, scope: Scope, content_ids: dict[str, str]) -> _Columns:
    out = _Columns({}, {}, {}, {})
    typed_to_blanks = target.config.typed_values == "fill_blanks"
    for column, expression in target.columns:
        value = _evaluate(expression, scope, content_ids)
        if value is None:
            if expression.required:
                where = f"targets.{target.name}.columns.{column}"
                raise PlanError("missing_value", f"{where} has no value")
        elif isinstance(value, BlobContent):
            out.blobs[column] = value
        elif isinstance(value, ContentRef | RecordRef | LookupRef):
            out.binds[column] = value
        elif typed_to_blanks and any(scope.is_typed(p) for p in _sources(expression, scope)):
            # Typed by the citizen: may fill a new contact's blanks, never overwrite.
            out.fill_blanks[column] = value
        else:
            out.body[column] = value
    return out


def _operation(
    target: Target,
    scope: Scope,
    content_id: str,
    content_ids: dict[str, str],
    extra: dict[str, Scalar],
) -> Operation:
    config = target.config
    columns = _columns(target, scope, content_ids)
    body, fill_blanks = columns.body, columns.fill_blanks
    body.update(extra)
    key = _choose_key(target, {**fill_blanks, **body})
    chosen = dict(key)
    if config.mode == "upsert":
        # Other alternate keys are set on creation only: rewriting them on an existing record
        # could collide with another record's key (a hard error that would block the citizen).
        for other in config.alternate_keys:
            for column in set(other.columns) - chosen.keys():
                if column in body:
                    fill_blanks[column] = body.pop(column)
    body.pop(config.primary_id, None)
    for column, value in chosen.items():
        fill_blanks.pop(column, None)
        if column != config.primary_id:
            body[column] = value
    return Operation(
        content_id=content_id,
        target=target.name,
        table=config.table,
        entity_set=config.entity_set,
        primary_id=config.primary_id,
        key=key,
        mode=config.mode,
        body=body,
        binds=columns.binds,
        blobs=columns.blobs,
        fill_blanks=fill_blanks,
    )


def _evaluate(
    expression: Expression, scope: Scope, content_ids: dict[str, str]
) -> Scalar | Bind | BlobContent:
    if isinstance(expression, Blob):
        return expression.content(scope)
    if isinstance(expression, Ref):
        return ContentRef(content_ids[expression.target])
    if isinstance(expression, BindId | BindKey):
        return expression.record(scope)
    if isinstance(expression, BindWhere):
        return expression.lookup(scope)
    value_expression: ValueExpression = expression
    return value_expression.evaluate(scope)


def _sources(expression: Expression, scope: Scope) -> tuple[str, ...]:
    if isinstance(expression, Copy):
        source = expression.source(scope)
        return () if source is None else (source,)
    return expression.paths()


def _choose_key(target: Target, values: dict[str, Scalar]) -> tuple[tuple[str, Scalar], ...]:
    for key in target.config.keys:
        if all(values.get(column) is not None for column in key):
            return tuple((column, values[column]) for column in key)
    raise PlanError("no_key", f"targets.{target.name}: none of its keys has values")


def _lookalike(
    mapping: MappingSet, operations: list[Operation], scope: Scope
) -> LookalikeCheck | None:
    for target in mapping.targets:
        config = target.config.lookalike
        if config is None:
            continue
        query = lookalike_query(
            config,
            scope,
            entity_set=target.config.entity_set,
            primary_id=target.config.primary_id,
        )
        flagged = next(op for op in operations if op.target == config.flag_target)
        if query is None:
            return None
        flag = Operation(
            content_id="1",
            target=flagged.target,
            table=flagged.table,
            entity_set=flagged.entity_set,
            primary_id=flagged.primary_id,
            key=flagged.key,
            mode="update",
            body={config.flag_column: True},
            binds={},
            blobs={},
            fill_blanks={},
        )
        return LookalikeCheck(query=query, flag=flag)
    return None
