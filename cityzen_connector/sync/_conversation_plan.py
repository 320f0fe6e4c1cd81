"""Provisioning the conversation table (``mapping.CONVERSATION``): the custom activity table,
its columns and its alternate key, planned from one read of its definition.

``EntityDefinitions(LogicalName='cz_casemessage')`` with its ``Attributes`` and ``Keys``
("Query table definitions using the Web API"): a 404 means nothing is there yet, so every step
is missing; otherwise each column and the key is present or missing. A table of that name that
is not an activity is not ours to change: provisioning stops and says so.
"""

from __future__ import annotations

from cityzen_connector.dataverse import DataverseClient, EntityDefinition, NotFoundError
from cityzen_connector.mapping import ConversationTable

from ._errors import ProvisionError
from ._steps import Step, StepState

__all__ = ["conversation_steps"]


def _definition(client: DataverseClient, table: str) -> EntityDefinition | None:
    try:
        return client.metadata.entity(table, refresh=True)
    except NotFoundError:
        return None


def conversation_steps(client: DataverseClient, conversation: ConversationTable) -> list[Step]:
    table = conversation.table
    found = _definition(client, table)
    if found is not None and not found.is_activity:
        raise ProvisionError(
            f"{table} exists but is not an activity table: the conversation needs a custom "
            "activity (docs/cases.md, 'The conversation table'); delete or rename that table"
        )
    state: StepState = "missing" if found is None else "present"
    steps = [
        Step(
            "table",
            table,
            table,
            "custom activity, with notes and change tracking",
            state,
            table_spec=conversation.table_spec(),
        )
    ]
    attributes = found.attributes if found is not None else {}
    for spec in conversation.columns():
        name = spec.schema_name.lower()
        detail = spec.kind + (f"({spec.max_length})" if spec.kind == "string" else "")
        state = "present" if name in attributes else "missing"
        steps.append(Step("column", table, name, detail, state, spec=spec))
    keys = {k.logical_name: k for k in found.keys} if found is not None else {}
    key = keys.get(conversation.key)
    detail = ",".join(conversation.key_columns()) + (f" [{key.index_status}]" if key else "")
    state = "missing" if key is None else "failed" if key.index_status == "Failed" else "present"
    steps.append(
        Step("key", table, conversation.key, detail, state, key_columns=conversation.key_columns())
    )
    return steps
