"""Every column expression kind, evaluated through load_mappings + plan_submission."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from cityzen_connector.mapping import (
    BlobContent,
    ContentRef,
    LookupRef,
    MappingSet,
    PlanContext,
    PlanError,
    RecordRef,
    plan_submission,
)
from cityzen_connector.models import Submission

MakeSubmission = Callable[..., Submission]

Probe = Callable[[str], MappingSet]
CONTEXT = PlanContext(pepper=b"test-pepper")


def _body(probe: Probe, columns: str, submission: Submission) -> dict[str, object]:
    plan = plan_submission(submission, probe(columns), context=CONTEXT)
    return dict(plan.operations[0].body)


def test_copy_reads_a_field_path(probe: Probe, make_submission: MakeSubmission) -> None:
    body = _body(probe, 'title = { copy = "submission.subject" }', make_submission())
    assert body["title"] == "Nid-de-poule devant l'école"


def test_copy_falls_back_to_the_next_path_with_a_value(
    probe: Probe, make_submission: MakeSubmission
) -> None:
    columns = 'lastname = { copy = ["citizen.preferred_username", "citizen.family_name"] }'
    assert _body(probe, columns, make_submission())["lastname"] == "DUBOIS"
    married = make_submission(citizen={"preferred_username": "MARTIN"})
    assert _body(probe, columns, married)["lastname"] == "MARTIN"


def test_copy_of_a_missing_value_leaves_the_column_out(
    probe: Probe, make_submission: MakeSubmission
) -> None:
    body = _body(probe, 'x = { copy = "location.city" }', make_submission())
    assert "x" not in body


def test_required_missing_value_is_a_plan_error_naming_the_column(
    probe: Probe, make_submission: MakeSubmission
) -> None:
    with pytest.raises(PlanError, match=r"targets\.probe\.columns\.x has no value") as caught:
        _body(probe, 'x = { copy = "location.city", required = true }', make_submission())
    assert caught.value.code == "missing_value"


@pytest.mark.parametrize(
    ("normalise", "path", "expected"),
    [
        ('["trim", "lower"]', "citizen.family_name", "dubois"),
        ('["lower_email"]', "citizen.email", "angela.dubois@example.fr"),
        ('["phone_e164"]', "citizen.phone", "+33612345678"),
        ('["upper"]', "citizen.given_name", "ANGELA CLAIRE LOUISE"),
        ('["collapse_spaces"]', "submission.description", "Un trou profond."),
    ],
)
def test_normalisers_apply_in_order(
    probe: Probe, make_submission: MakeSubmission, normalise: str, path: str, expected: str
) -> None:
    body = _body(probe, f'x = {{ copy = "{path}", normalise = {normalise} }}', make_submission())
    assert body["x"] == expected


def test_template_substitutes_paths_and_empties_missing_ones(
    probe: Probe, make_submission: MakeSubmission
) -> None:
    columns = 'x = { template = "{submission.theme}/{submission.sub_theme} {location.city}!" }'
    assert _body(probe, columns, make_submission())["x"] == "voirie/nid_de_poule !"


def test_template_never_interprets_citizen_text(
    probe: Probe, make_submission: MakeSubmission
) -> None:
    hostile = "{citizen.sub} {0.__class__} <script>alert(1)</script>"
    body = _body(
        probe,
        'x = { template = "[{submission.description}]" }',
        make_submission(description=hostile),
    )
    assert body["x"] == f"[{hostile}]"


def test_option_maps_the_channel_to_caseorigincode(
    probe: Probe, make_submission: MakeSubmission
) -> None:
    columns = (
        'caseorigincode = { option = "submission.channel", map = { phone = 1, email = 2,'
        " portal = 3, courrier = 100000000, counter = 100000001 } }"
    )
    expected = {"phone": 1, "email": 2, "portal": 3, "courrier": 100000000, "counter": 100000001}
    for channel, number in expected.items():
        body = _body(probe, columns, make_submission(channel=channel))
        assert body["caseorigincode"] == number


def test_an_unmapped_option_uses_the_default_or_fails(
    probe: Probe, make_submission: MakeSubmission
) -> None:
    with_default = 'x = { option = "submission.channel", map = { phone = 1 }, default = 3 }'
    assert _body(probe, with_default, make_submission())["x"] == 3
    with pytest.raises(PlanError) as caught:
        _body(
            probe, 'x = { option = "submission.channel", map = { phone = 1 } }', make_submission()
        )
    assert caught.value.code == "unmapped_option"


def test_date_is_dateonly_and_datetime_is_utc(
    probe: Probe, make_submission: MakeSubmission
) -> None:
    columns = (
        'birthdate = { date = "citizen.birthdate" }\n'
        'day = { date = "submission.submitted_at" }\n'
        'filed = { datetime = "submission.submitted_at" }'
    )
    body = _body(probe, columns, make_submission(submitted_at="2026-11-29T00:30:00+01:00"))
    assert body["birthdate"] == "1962-08-24"
    assert body["day"] == "2026-11-28"
    assert body["filed"] == "2026-11-28T23:30:00Z"


def test_const_and_uuid5(probe: Probe, make_submission: MakeSubmission) -> None:
    submission = make_submission()
    plan = plan_submission(
        submission, probe("prioritycode = { const = 2 }\nflag = { const = true }"), context=CONTEXT
    )
    operation = plan.operations[0]
    assert operation.body == {"prioritycode": 2, "flag": True}
    assert operation.key == (("cz_probeid", str(uuid.uuid5(submission.id, submission.subject))),)


def test_binds_by_id_by_alternate_key_and_by_column(
    probe: Probe, make_submission: MakeSubmission
) -> None:
    columns = (
        'parent = { bind = "accounts", id = "submission.id" }\n'
        'owner = { bind = "teams", where = { name = "routing.team" } }\n'
        'contact = { bind = "contacts", key = { cz_identitykey = "match.identity_key" } }'
    )
    submission = make_submission()
    plan = plan_submission(submission, probe(columns), context=CONTEXT)
    binds = plan.operations[0].binds
    assert binds["parent"] == RecordRef("accounts", id=submission.id)
    assert binds["owner"] == LookupRef("teams", "name", "Voirie")
    assert isinstance(binds["contact"], RecordRef)
    assert binds["contact"].key[0][0] == "cz_identitykey"
    assert plan.lookups == frozenset({LookupRef("teams", "name", "Voirie")})


def test_bind_by_id_refuses_a_value_that_is_not_an_id(
    probe: Probe, make_submission: MakeSubmission
) -> None:
    with pytest.raises(PlanError) as caught:
        plan_submission(
            make_submission(),
            probe('parent = { bind = "accounts", id = "submission.subject" }'),
            context=CONTEXT,
        )
    assert caught.value.code == "invalid_id"


def test_ref_and_blob_in_the_shipped_annotation_mapping(
    shipped: MappingSet, make_submission: MakeSubmission
) -> None:
    plan = plan_submission(make_submission(), shipped, context=CONTEXT)
    notes = [op for op in plan.operations if op.target == "annotation"]
    assert [note.binds["objectid_incident"] for note in notes] == [ContentRef("2")] * 2
    assert notes[0].blobs["documentbody"] == BlobContent(
        "2026/11/28/a.jpg",
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        3,
    )


def test_copied_enum_values_are_plain_text(probe: Probe, make_submission: MakeSubmission) -> None:
    value = _body(probe, 'x = { copy = "submission.channel" }', make_submission())["x"]
    assert type(value) is str
    assert value == "portal"


def test_max_length_cuts_text_to_fit_the_column(
    probe: Probe, make_submission: MakeSubmission
) -> None:
    columns = (
        'd = { template = "{submission.description}\\n\\n{forms.summary}", max_length = 2000 }\n'
        'short = { copy = "submission.subject", max_length = 10 }'
    )
    body = _body(probe, columns, make_submission(description="x" * 2000))
    assert len(str(body["d"])) == 2000
    assert str(body["d"]).endswith("…")
    assert body["short"] == "Nid-de-po…"
