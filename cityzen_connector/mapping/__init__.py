"""Declarative mappings: ``mappings/*.toml`` loaded, validated, and applied to a submission.

Pure: no I/O besides reading the mapping files, no Dataverse client. The pipeline calls::

    mapping = load_mappings(Path("mappings"))            # at start-up; MappingFileError if bad
    mapping.catalog.validate_fields(theme, sub, fields)   # HTTP API: 422 material
    mapping.catalog.tree(subject_titles)                  # GET /api/v1/themes
    mapping.catalog.outside_territory(citycode)           # HTTP API: 422 outside_territory
    plan = plan_submission(submission, mapping, context=PlanContext(pepper=...))
    mapping.schema()                                      # what provisioning creates
    mapping.agents                                        # agents' access model (agents/)
"""

from ._agents import MEMBERSHIP_TYPES, TEAM_TYPES, AccessGroup, AccessModel
from ._case_columns import CASE_STATUS_COLUMNS
from ._config import (
    COLUMN_TYPES,
    AlternateKey,
    CustomColumn,
    OptionValue,
)
from ._conversation import CONVERSATION, ConversationTable
from ._errors import (
    FileProblem,
    FormValidationError,
    MappingError,
    MappingFileError,
    PlanError,
)
from ._loader import MAX_FILE_BYTES, load_mappings
from ._mappingset import (
    MappingSet,
    RequiredColumn,
    RequiredKey,
    RequiredOption,
    SchemaRequirements,
    Target,
)
from ._matching import identity_key, normalise_name, pivot_key
from ._normalise import NORMALISERS
from ._plan_types import (
    Bind,
    BlobContent,
    Condition,
    ContentRef,
    LookalikeCheck,
    LookupRef,
    Mode,
    Operation,
    QuerySpec,
    RecordRef,
    Route,
    Scalar,
    SubmissionPlan,
)
from ._planner import PlanContext, plan_submission
from ._profile import ProfileField, ProfileMapping
from ._rights import RIGHTS, Decision, Right, RightsPlan
from ._status import CitizenStatus, StatusVocabulary
from ._territory import Territory
from ._themes import ThemeCatalog
from ._wire import bind_value, key_segment, odata_literal, operation_path, wire_body

__all__ = [
    "CASE_STATUS_COLUMNS",
    "COLUMN_TYPES",
    "CONVERSATION",
    "MAX_FILE_BYTES",
    "MEMBERSHIP_TYPES",
    "NORMALISERS",
    "RIGHTS",
    "TEAM_TYPES",
    "AccessGroup",
    "AccessModel",
    "AlternateKey",
    "Bind",
    "BlobContent",
    "CitizenStatus",
    "Condition",
    "ContentRef",
    "ConversationTable",
    "CustomColumn",
    "Decision",
    "FileProblem",
    "FormValidationError",
    "LookalikeCheck",
    "LookupRef",
    "MappingError",
    "MappingFileError",
    "MappingSet",
    "Mode",
    "Operation",
    "OptionValue",
    "PlanContext",
    "PlanError",
    "ProfileField",
    "ProfileMapping",
    "QuerySpec",
    "RecordRef",
    "RequiredColumn",
    "RequiredKey",
    "RequiredOption",
    "Right",
    "RightsPlan",
    "Route",
    "Scalar",
    "SchemaRequirements",
    "StatusVocabulary",
    "SubmissionPlan",
    "Target",
    "Territory",
    "ThemeCatalog",
    "bind_value",
    "identity_key",
    "key_segment",
    "load_mappings",
    "normalise_name",
    "odata_literal",
    "operation_path",
    "pivot_key",
    "plan_submission",
    "wire_body",
]
