"""Wire models the API speaks: submissions, citizens, themes, statuses, problem details, and the
ops routes' queue counts, dead letters and replays.

Input models (``Submission``, ``Citizen``, ``Location``, ``AttachmentRef``) forbid unknown
fields, refuse silent coercions and never echo rejected values in their error messages; use
``field_errors`` to list what was wrong without the values. ``FieldError`` is the one type for
an invalid field, whether our own check or pydantic found it.
"""

from ._case import HistoryItem, MyRequest, MyRequestsPage, MyRequestsParams
from ._citizen import PIVOT_FIELDS, CertifiableField, Citizen, EidasLevel, Gender
from ._examples import EXAMPLE_SUBMISSION
from ._feed import AgendaItem, AgendaPage, NewsItem, NewsPage
from ._field_errors import MAX_FIELD_ERRORS, FieldError, field_errors
from ._ops import (
    MAX_PAGE_SIZE,
    MAX_REPLAY_IDS,
    MAX_REPLAY_LIMIT,
    AgentsPlanView,
    AgentsReportView,
    DeadLetter,
    DeadLetterPage,
    DeadLetterSource,
    QueueRole,
    QueuesView,
    QueueView,
    ReplayAll,
    ReplayByIds,
    ReplayedMessage,
    ReplayRequest,
    ReplayResult,
    SourceChoice,
)
from ._problems import (
    CATALOGUE,
    PROBLEM_CONTENT_TYPE,
    LocalizedText,
    Problem,
    ProblemCode,
    problem,
    validation_problem,
)
from ._scalars import RESERVED_IDS, PastDate, WireId, uuid_from_text
from ._submission import (
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    MAX_FORM_FIELDS,
    SUBMISSION_SCHEMA,
    AttachmentRef,
    Channel,
    FormValue,
    Location,
    Submission,
)
from ._text import (
    FILLED_TEXT_PATTERN,
    TEXT_PATTERN,
    clean_text,
    email_address,
    phone_to_e164,
    text_errors,
)
from ._theme import (
    CreatedStatus,
    FailedStatus,
    FormField,
    FormFieldType,
    QueuedStatus,
    SubmissionStatus,
    SubTheme,
    Theme,
)
from ._thread import AttachmentInfo, ThreadItem, ThreadView

__all__ = [
    "CATALOGUE",
    "EXAMPLE_SUBMISSION",
    "FILLED_TEXT_PATTERN",
    "MAX_ATTACHMENTS",
    "MAX_ATTACHMENT_BYTES",
    "MAX_FIELD_ERRORS",
    "MAX_FORM_FIELDS",
    "MAX_PAGE_SIZE",
    "MAX_REPLAY_IDS",
    "MAX_REPLAY_LIMIT",
    "PIVOT_FIELDS",
    "PROBLEM_CONTENT_TYPE",
    "RESERVED_IDS",
    "SUBMISSION_SCHEMA",
    "TEXT_PATTERN",
    "AgendaItem",
    "AgendaPage",
    "AgentsPlanView",
    "AgentsReportView",
    "AttachmentInfo",
    "AttachmentRef",
    "CertifiableField",
    "Channel",
    "Citizen",
    "CreatedStatus",
    "DeadLetter",
    "DeadLetterPage",
    "DeadLetterSource",
    "EidasLevel",
    "FailedStatus",
    "FieldError",
    "FormField",
    "FormFieldType",
    "FormValue",
    "Gender",
    "HistoryItem",
    "LocalizedText",
    "Location",
    "MyRequest",
    "MyRequestsPage",
    "MyRequestsParams",
    "NewsItem",
    "NewsPage",
    "PastDate",
    "Problem",
    "ProblemCode",
    "QueueRole",
    "QueueView",
    "QueuedStatus",
    "QueuesView",
    "ReplayAll",
    "ReplayByIds",
    "ReplayRequest",
    "ReplayResult",
    "ReplayedMessage",
    "SourceChoice",
    "SubTheme",
    "Submission",
    "SubmissionStatus",
    "Theme",
    "ThreadItem",
    "ThreadView",
    "WireId",
    "clean_text",
    "email_address",
    "field_errors",
    "phone_to_e164",
    "problem",
    "text_errors",
    "uuid_from_text",
    "validation_problem",
]
