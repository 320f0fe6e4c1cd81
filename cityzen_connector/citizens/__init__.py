"""citizens: the citizen's own record -- profile, notification preferences, contact sync and
the conflict rule (docs/profile.md).

- ``Profiles``: ``GET``/``PATCH /api/v1/citizens/me`` over a local copy in the state store;
  contact changes queued as ``cityzen.profile-update/v1``.
- ``handle_profile_update``: the queue worker applying them to the Dataverse contact by its key
  with ``If-Match``, field by field (``decide``: the conflict rule as data).
- ``ContactEvents``: agents' changes of a contact, from the case-events queue, into the copy.
- ``NotifyingOutbox`` and the ``Notifier`` port (``open_notifier``: ``file://``, ``memory://``,
  ``none://``): webhooks carry the chosen channel and language; the notifier sends.
"""

from ._apply import ProfileUpdatePorts, UpdateResult, decide, handle_profile_update
from ._contact_events import ContactEvents
from ._errors import (
    CertifiedFieldError,
    CitizensError,
    InvalidProfileError,
    PreconditionRequiredError,
    ProfileChangedError,
    ProfileNotFoundError,
    ProfileUnavailableError,
    UnsupportedNotifierUrlError,
    UpdateRefusedError,
)
from ._notify import (
    FolderNotifier,
    KeptNotifications,
    MemoryNotifier,
    NoNotifier,
    Notification,
    Notifier,
    open_notifier,
)
from ._outbox import NotifyingOutbox
from ._patch import ProfilePatchInput, read_patch
from ._profiles import UPDATE_SCHEMA, Profiles
from ._record import PROFILE_KEYS, PROFILES, ProfileRecord, etag_of, view_of

__all__ = [
    "PROFILES",
    "PROFILE_KEYS",
    "UPDATE_SCHEMA",
    "CertifiedFieldError",
    "CitizensError",
    "ContactEvents",
    "FolderNotifier",
    "InvalidProfileError",
    "KeptNotifications",
    "MemoryNotifier",
    "NoNotifier",
    "Notification",
    "Notifier",
    "NotifyingOutbox",
    "PreconditionRequiredError",
    "ProfileChangedError",
    "ProfileNotFoundError",
    "ProfilePatchInput",
    "ProfileRecord",
    "ProfileUnavailableError",
    "ProfileUpdatePorts",
    "Profiles",
    "UnsupportedNotifierUrlError",
    "UpdateRefusedError",
    "UpdateResult",
    "decide",
    "etag_of",
    "handle_profile_update",
    "open_notifier",
    "read_patch",
    "view_of",
]
