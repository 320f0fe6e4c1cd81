"""Numbers, dates and ids are read exactly as the contract writes them: no coercion, no date in
the future, no placeholder id. Each refusal names the field, with a code that has French."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from cityzen_connector.models import Submission, field_errors

NIL = "00000000-0000-0000-0000-000000000000"
MAX = "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF"


def _errors(data: dict[str, Any]) -> dict[str, tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        Submission.model_validate(data)
    return {e.field: (e.code, e.message_fr) for e in field_errors(caught.value, limit=None)}


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        data = data[part]
    data[last] = value


@pytest.mark.parametrize(
    ("path", "value", "code"),
    [
        ("location.latitude", "48.8", "float_type"),
        ("location.longitude", "2.35", "float_type"),
        ("location.geocoder_score", "0.9", "float_type"),
        ("location.latitude", True, "float_type"),
        ("id", NIL, "reserved_id"),
        ("id", MAX, "reserved_id"),
        ("id", "12345678123456781234567812345678", "uuid_parsing"),
        ("id", "urn:uuid:12345678-1234-5678-1234-567812345678", "uuid_parsing"),
        ("citizen.birthdate", 0, "date_format"),
        ("citizen.birthdate", "1962-08-24T00:00:00", "date_format"),
        ("citizen.birthdate", "2999-01-01", "future_date"),
    ],
)
def test_a_value_outside_the_contract_is_refused_not_coerced(
    submission_data: dict[str, Any], path: str, value: Any, code: str
) -> None:
    _set(submission_data, path, value)
    found = _errors(submission_data)
    assert found[path][0] == code
    assert found[path][1] != "Cette valeur n’est pas valide."  # the code's own French text


def test_a_birth_date_after_today_everywhere_is_refused_and_today_is_not(
    submission_data: dict[str, Any],
) -> None:
    # UTC+14 is the last place where "today" is still today: a day after that is the future.
    latest_today = (datetime.now(UTC) + timedelta(hours=14)).date()
    submission_data["citizen"]["birthdate"] = (latest_today + timedelta(days=1)).isoformat()
    assert _errors(submission_data)["citizen.birthdate"][0] == "future_date"
    submission_data["citizen"]["birthdate"] = datetime.now(UTC).date().isoformat()
    assert isinstance(Submission.model_validate(submission_data).citizen.birthdate, date)


def test_numbers_and_canonical_ids_are_still_read(submission_data: dict[str, Any]) -> None:
    submission_data["location"]["latitude"] = 48  # a JSON integer is a number
    submission_data["id"] = submission_data["id"].upper()
    submission = Submission.model_validate(submission_data)
    assert submission.location is not None
    assert submission.location.latitude == 48.0
    assert str(submission.id) == submission_data["id"].lower()
