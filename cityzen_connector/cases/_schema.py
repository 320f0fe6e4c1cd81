"""Which Dataverse names the cases code reads, taken from the mapping set where it says them.

The case table and its columns (``incident``: ``statecode``, ``statuscode``, ``ownerid``,
``ticketnumber``, ``customerid``, ``subjectid``, ``caseorigincode``, ``createdon``,
``modifiedon``, ``versionnumber``) are Dataverse's own; the submission id column, the contact's
identity-key column and the channel → ``caseorigincode`` map are the mappings' (``plan.case``,
``match.identity_key``, ``submission.channel``), so a collectivité that renames them in
``mappings/`` renames them here too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from cityzen_connector.mapping import CASE_STATUS_COLUMNS, MappingSet

__all__ = ["CASE_COLUMNS", "ROW_ANNOTATIONS", "CaseSchema"]

#: What a case row is read with: labels (a team's name, a subject's title) and each lookup's
#: table (``_ownerid_value`` is a team or a user; "Lookup properties", Web API).
ROW_ANNOTATIONS = (
    'odata.include-annotations="OData.Community.Display.V1.FormattedValue,'
    'Microsoft.Dynamics.CRM.lookuplogicalname"'
)

#: What a status needs: the columns a post-image must carry, and what reconciliation selects
#: (mapping's one list, which the registration in ``sync`` asks for).
CASE_COLUMNS: tuple[str, ...] = CASE_STATUS_COLUMNS


@dataclass(frozen=True)
class CaseSchema:
    table: str = "incident"
    entity_set: str = "incidents"
    primary_id: str = "incidentid"
    submission_column: str | None = "cz_submissionid"
    contact_table: str = "contact"
    contact_entity_set: str = "contacts"
    contact_key_column: str = "cz_identitykey"
    # The one-to-many relationship of incident.customerid to contact (Dataverse's own name).
    contact_cases: str = "incident_customer_contacts"
    # caseorigincode → the channel code the API speaks (models.Channel).
    origins: Mapping[int, str] = field(default_factory=dict)

    @classmethod
    def from_mappings(cls, mappings: MappingSet) -> CaseSchema:
        case = mappings.target(mappings.case_target)
        submission_column = next(
            (c for t, c in mappings.columns_copying("submission.id") if t is case), None
        )
        channels = mappings.option_map(case.name, "submission.channel")
        origins = {value: channel for channel, value in channels.items()}
        keyed = mappings.columns_copying("match.identity_key")
        contact = cls()
        if keyed:
            target, column = keyed[0]
            contact = cls(
                contact_table=target.config.table,
                contact_entity_set=target.config.entity_set,
                contact_key_column=column,
            )
        return cls(
            table=case.config.table,
            entity_set=case.config.entity_set,
            primary_id=case.config.primary_id,
            submission_column=submission_column,
            contact_table=contact.contact_table,
            contact_entity_set=contact.contact_entity_set,
            contact_key_column=contact.contact_key_column,
            origins=origins,
        )

    def select(self) -> tuple[str, ...]:
        """The Web API ``$select`` of a case row (lookups as ``_x_value``)."""
        lookups = {"ownerid", "customerid", "subjectid"}
        names = [f"_{c}_value" if c in lookups else c for c in CASE_COLUMNS]
        extra = [self.submission_column] if self.submission_column else []
        return (self.primary_id, *names, *extra)
