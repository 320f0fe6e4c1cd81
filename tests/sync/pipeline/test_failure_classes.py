"""Which errors are transient, permanent or systemic, and what the reasons say (and don't)."""

from __future__ import annotations

import pytest

from cityzen_connector.dataverse import (
    AlreadyExistsError,
    AuthenticationError,
    DataverseConnectionError,
    DataverseError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    ServerError,
    ThrottledError,
    TransientServerError,
    UnexpectedResponseError,
    ValidationError,
)
from cityzen_connector.sync.pipeline import Permanent, Systemic, Transient, classify
from cityzen_connector.sync.pipeline._processor import is_already_done

SECRET = "Angela.Dubois@example.fr"  # what a Dataverse message may echo


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ThrottledError(SECRET, status=429, code="0x80072322", retry_after=30), Transient),
        (TransientServerError(SECRET, status=503), Transient),
        (DataverseConnectionError(SECRET), Transient),
        (ServerError(SECRET, status=500, code="0x80040216"), Transient),
        (UnexpectedResponseError(SECRET, status=200), Transient),
        (AuthenticationError(SECRET, status=401), Systemic),
        (PermissionDeniedError(SECRET, status=403, code="0x80040220"), Systemic),
        (ValidationError(SECRET, status=400, code="0x80048306"), Systemic),
        (ValidationError(SECRET, status=400, code="0x80060890"), Systemic),
        (ValidationError(SECRET, status=400, code="0x80048d19"), Systemic),
        (ValidationError(SECRET, status=400, code="0x0"), Systemic),
        (NotFoundError(SECRET, status=404, code="0x8006088a"), Systemic),
        (ValidationError(SECRET, status=400, code="0x80044331"), Permanent),
        (AlreadyExistsError(SECRET, status=412, code="0x80060892"), Permanent),
        (NotFoundError(SECRET, status=404, code="0x80040217"), Permanent),
        (InvalidRequestError(SECRET), Permanent),
    ],
)
def test_classes(error: DataverseError, expected: type) -> None:
    outcome = classify(error, what="the change set")
    assert type(outcome) is expected
    assert SECRET not in repr(outcome)
    if isinstance(outcome, Transient):
        assert outcome.retry_after == error.retry_after


def test_reasons_say_what_to_do() -> None:
    denied = classify(PermissionDeniedError("x", status=403, code="0x80040220"), what="the case")
    assert denied == Systemic(
        "permission_denied",
        "the application user lacks a privilege to write the case (code 0x80040220):"
        " check its security role",
    )
    refused = classify(ValidationError("x", status=400, code="0x80044331"), what="the case")
    assert refused == Permanent(
        "rejected_by_dataverse", "Dataverse refused the case (HTTP 400, code 0x80044331)"
    )


@pytest.mark.parametrize(
    ("error", "done"),
    [
        (AlreadyExistsError("x", status=412, code=""), True),  # documented create-only answer
        (AlreadyExistsError("x", status=412, code="0x80040237"), True),
        (AlreadyExistsError("x", status=412, code="0x80060892"), False),  # another key clashes
        (AlreadyExistsError("x", status=400, code="0x80040237"), False),
        (ValidationError("x", status=412), False),
    ],
)
def test_only_a_create_only_conflict_means_done(error: DataverseError, done: bool) -> None:
    assert is_already_done(error) is done
