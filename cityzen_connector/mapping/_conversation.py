"""The conversation on a request: the one Dataverse table that holds the thread in both
directions, and the names the cases code and provisioning use (docs/cases.md, "The
conversation table").

A custom activity table ("Custom activities", Microsoft Learn,
https://learn.microsoft.com/power-apps/developer/data-platform/custom-activities), so that each
message shows in the case's timeline: its key is ``activityid``, its text the inherited
``description`` (a Memo of 2,000 characters: the activitypointer reference), its case the
polymorphic ``regardingobjectid`` (bound as ``regardingobjectid_incident_cz_casemessage``, the
case's collection ``incident_cz_casemessages``, as the Portal Comment reference names an
activity's), its attachments notes (``annotation``, ``objectid_cz_casemessage``). The columns
of our own: the direction (a choice), whether an agent's message is for the citizen, and the
portal's message id under an alternate key, so a redelivered message is one row.

Not a collectivité's choice: the names are fixed, as the cases code reads them.
"""

from __future__ import annotations

from dataclasses import dataclass

from cityzen_connector.dataverse import ColumnSpec, TableSpec

__all__ = ["CONVERSATION", "ConversationTable"]


@dataclass(frozen=True)
class ConversationTable:
    table: str = "cz_casemessage"
    schema_name: str = "cz_CaseMessage"
    entity_set: str = "cz_casemessages"
    primary_id: str = "activityid"
    subject: str = "subject"
    subject_max_length: int = 200
    text: str = "description"
    text_max_length: int = 2000  # activitypointer.description: Memo, MaxLength 2000
    case_binding: str = "regardingobjectid_incident_cz_casemessage"  # …@odata.bind
    case_collection: str = "incident_cz_casemessages"  # on incident
    timeline: str = "Incident_ActivityPointers"  # on incident: every activity of the case
    direction: str = "cz_direction"
    from_citizen: int = 1
    to_citizen: int = 2
    visible: str = "cz_visibletocitizen"
    message_id: str = "cz_messageid"
    message_id_max_length: int = 100
    key: str = "cz_messageid_key"
    notes: str = "cz_casemessage_Annotations"  # on the message: its attachments
    note_binding: str = "objectid_cz_casemessage"  # on annotation: …@odata.bind

    def table_spec(self) -> TableSpec:
        return TableSpec(
            self.schema_name,
            "Message de la demande",
            "Messages de la demande",
            "Subject",
            "Objet",
            primary_max_length=self.subject_max_length,
            activity=True,
            has_notes=True,
            # The change-tracking safety net reads what the queue may have lost.
            change_tracking=True,
        )

    def columns(self) -> tuple[ColumnSpec, ...]:
        return (
            ColumnSpec(
                "cz_Direction",
                "choice",
                "Sens",
                options=((self.from_citizen, "De l'usager"), (self.to_citizen, "À l'usager")),
                # An agent writing in Dynamics 365 writes to the citizen.
                default_option=self.to_citizen,
            ),
            # Fail closed: an agent's message reaches the citizen only when ticked; the
            # client sends DefaultValue false ("Create a Boolean column").
            ColumnSpec("cz_VisibleToCitizen", "boolean", "Visible par l'usager"),
            ColumnSpec(
                "cz_MessageId",
                "string",
                "Identifiant du message (portail)",
                max_length=self.message_id_max_length,
            ),
        )

    def key_columns(self) -> tuple[str, ...]:
        return (self.message_id,)


CONVERSATION = ConversationTable()
