"""Provisioning: create what the mappings need in Dataverse (``mapping.schema()``), and the
conversation table (``mapping.CONVERSATION``, ``_conversation_plan``), idempotently.

``plan_provisioning`` reads the tables' definitions and returns every step with its state
(``present`` or ``missing``); ``apply_provisioning`` creates what is missing in order — tables
and columns, then alternate keys (Dataverse builds a key's index in the background: poll until
``Active``, with an injected clock and sleep and a bounded deadline; ``Failed`` — usually
duplicate values already in the table — is reported, not retried), then option values
(``InsertOptionValue``).
A second run finds everything present and does nothing.
Wire shapes: Microsoft Learn, "Create and update table definitions using the Web API",
"Custom activities", "Create and update column definitions using the Web API",
"Define alternate keys using the Web API", "Query table definitions using the Web API".
"""

from __future__ import annotations

from collections.abc import Callable

from cityzen_connector.dataverse import (
    ColumnSpec,
    DataverseClient,
    DataverseRequest,
    EntityDefinition,
    Expect,
    literal,
)
from cityzen_connector.mapping import (
    CONVERSATION,
    ConversationTable,
    SchemaRequirements,
    ThemeCatalog,
)

from ._catalog import create_record, existing_records, required_records
from ._conversation_plan import conversation_steps
from ._errors import ProvisionError
from ._steps import ProvisionPlan, ProvisionReport, Step, StepState

# mapping column type -> the client's column kind (choice columns carry their own option set:
# create them in the maker portal, provisioning only adds values to existing ones).
_KINDS = {
    "string": "string",
    "memo": "memo",
    "integer": "integer",
    "decimal": "decimal",
    "boolean": "boolean",
    "dateonly": "date",
    "datetime": "datetime",
}


def _option_values(client: DataverseClient, table: str, column: str) -> set[int]:
    path = (
        f"EntityDefinitions(LogicalName={literal(table)})/Attributes(LogicalName="
        f"{literal(column)})/Microsoft.Dynamics.CRM.PicklistAttributeMetadata"
    )
    request = DataverseRequest(
        "GET",
        path,
        f"option set of {table}.{column}",
        Expect.RECORD,
        safe_to_repeat=True,
        query=(("$select", "LogicalName"), ("$expand", "OptionSet")),
    )
    doc = client.execute(request)
    options = (doc.get("OptionSet") or {}).get("Options") or []
    return {int(o["Value"]) for o in options if isinstance(o, dict) and "Value" in o}


def plan_provisioning(
    client: DataverseClient,
    schema: SchemaRequirements,
    catalog: ThemeCatalog | None = None,
    *,
    conversation: ConversationTable | None = CONVERSATION,
) -> ProvisionPlan:
    """Every step the schema (the conversation table, and the catalog's teams and subjects)
    needs, marked present or missing. Reads only."""
    tables = {r.table for r in schema.columns} | {r.table for r in schema.keys}
    tables |= {r.table for r in schema.option_values}
    definitions: dict[str, EntityDefinition] = {
        t: client.metadata.entity(t, refresh=True) for t in sorted(tables)
    }
    steps: list[Step] = []
    for required in schema.columns:
        column = required.column
        kind = _KINDS.get(column.type)
        if kind is None:
            raise ProvisionError(
                f"{required.table}.{column.name}: {column.type} columns are not created by"
                " provisioning; create the column in the maker portal first"
            )
        present = column.name in definitions[required.table].attributes
        spec = ColumnSpec(
            schema_name=column.name,
            kind=kind,  # type: ignore[arg-type]
            label=column.label,
            max_length=column.max_length or 100,
        )
        detail = column.type + (f"({column.max_length})" if column.max_length else "")
        state: StepState = "present" if present else "missing"
        steps.append(Step("column", required.table, column.name, detail, state, spec=spec))
    for required_key in schema.keys:
        key = required_key.key
        existing = {k.logical_name: k for k in definitions[required_key.table].keys}
        found = existing.get(key.name)
        state = "missing" if found is None else "present"
        detail = ",".join(key.columns) + (f" [{found.index_status}]" if found else "")
        if found is not None and found.index_status == "Failed":
            state = "failed"
        steps.append(
            Step("key", required_key.table, key.name, detail, state, key_columns=tuple(key.columns))
        )
    by_column: dict[tuple[str, str], set[int]] = {}
    for required_option in schema.option_values:
        option = required_option.option
        where = (required_option.table, option.column)
        if where not in by_column:
            by_column[where] = _option_values(client, *where)
        state = "present" if option.value in by_column[where] else "missing"
        steps.append(
            Step(
                "option",
                required_option.table,
                f"{option.column}={option.value}",
                option.label,
                state,
                option_value=option.value,
            )
        )
    if conversation is not None:
        steps += conversation_steps(client, conversation)
    records = required_records(catalog) if catalog is not None else ()
    in_dataverse = existing_records(client, records) if records else frozenset()
    for record in records:
        state = "present" if record in in_dataverse else "missing"
        detail = f"under '{record.parent}'" if record.parent else ""
        steps.append(Step("record", record.entity_set, record.name, detail, state, record=record))
    return ProvisionPlan(tuple(steps))


def apply_provisioning(
    client: DataverseClient,
    plan: ProvisionPlan,
    *,
    now: Callable[[], float],
    sleep: Callable[[float], None],
    key_deadline_seconds: float = 600.0,
    poll_seconds: float = 5.0,
    on_step: Callable[[Step], None] = lambda step: None,
    create_catalog: bool = False,
) -> ProvisionReport:
    """Create the missing steps in order; wait for each new key's index to be Active.
    Missing teams and subjects are created only with ``create_catalog``."""
    report = ProvisionReport()
    new_keys: list[Step] = []
    for step in plan.steps:
        done = step
        if step.state == "missing" and step.table_spec is not None:
            client.metadata.create_table(step.table_spec)
            done = _with_state(step, "created")
        elif step.state == "missing" and step.kind == "column" and step.spec is not None:
            client.metadata.create_column(step.table, step.spec)
            done = _with_state(step, "created")
        elif step.state == "missing" and step.kind == "key":
            display = step.name.replace("_", " ")
            client.metadata.create_alternate_key(step.table, step.name, display, step.key_columns)
            done = _with_state(step, "created")
            new_keys.append(done)
        elif step.state == "missing" and step.kind == "option" and step.option_value is not None:
            column = step.name.split("=", 1)[0]
            client.metadata.insert_option_value(
                step.table, column, step.detail, value=step.option_value
            )
            done = _with_state(step, "created")
        elif step.state == "missing" and step.record is not None and create_catalog:
            create_record(client, step.record)
            done = _with_state(step, "created")
        if step.kind != "key" or step.state != "missing":
            report.steps.append(done)
            on_step(done)
    for key in new_keys:
        final = _wait_for_key(client, key, now=now, sleep=sleep, deadline=key_deadline_seconds,
                              poll=poll_seconds)  # fmt: skip
        report.steps.append(final)
        on_step(final)
    return report


def _wait_for_key(
    client: DataverseClient,
    step: Step,
    *,
    now: Callable[[], float],
    sleep: Callable[[float], None],
    deadline: float,
    poll: float,
) -> Step:
    end = now() + deadline
    while True:
        status = client.metadata.key_status(step.table, step.name)
        if status == "Active":
            return _with_state(step, "active")
        if status == "Failed":
            return _with_state(
                step, "failed", "index build Failed: the table holds duplicate values for it"
            )
        if now() >= end:
            return _with_state(step, "timed_out", f"still {status} after {deadline:g} s")
        sleep(poll)


def _with_state(step: Step, state: StepState, detail: str | None = None) -> Step:
    from dataclasses import replace  # noqa: PLC0415

    return replace(step, state=state, detail=detail or step.detail)
