"""plan_submission with the shipped mappings: one change set, keys, binds, typed vs certified."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from cityzen_connector.mapping import (
    Condition,
    ContentRef,
    FormValidationError,
    LookupRef,
    MappingSet,
    PlanContext,
    PlanError,
    identity_key,
    plan_submission,
)
from cityzen_connector.models import Submission

MakeSubmission = Callable[..., Submission]
CONTEXT = PlanContext(pepper=b"test-pepper")
UNCERTIFIED_CITIZEN = {
    "issuer": "https://login.example-city.fr",
    "sub": "user-42",
    "certified": [],
    "given_name": "Jean",
    "family_name": "Typed",
}


def test_one_change_set_contact_then_case_then_one_note_per_attachment(
    shipped: MappingSet, make_submission: MakeSubmission
) -> None:
    plan = plan_submission(make_submission(), shipped, context=CONTEXT)
    assert [(op.content_id, op.target, op.mode) for op in plan.operations] == [
        ("1", "contact", "upsert"),
        ("2", "incident", "create_only"),
        ("3", "annotation", "create_only"),
        ("4", "annotation", "create_only"),
    ]


def test_the_case_is_keyed_by_submission_id_and_bound_to_contact_subject_team(
    shipped: MappingSet, make_submission: MakeSubmission
) -> None:
    submission = make_submission()
    case = plan_submission(submission, shipped, context=CONTEXT).operation("incident")
    assert case.key == (("cz_submissionid", str(submission.id)),)
    assert case.binds == {
        "customerid_contact": ContentRef("1"),
        "subjectid": LookupRef("subjects", "title", "Nid-de-poule et chaussée"),
        "ownerid": LookupRef("teams", "name", "Voirie"),
    }
    assert case.body["caseorigincode"] == 3
    assert case.body["title"] == submission.subject
    assert case.body["cz_danger"] is True
    assert case.body["description"] == "Un trou profond.\n\nTaille approximative : grand"


def test_note_ids_are_uuid5_of_submission_and_attachment(
    shipped: MappingSet, make_submission: MakeSubmission
) -> None:
    submission = make_submission()
    notes = [
        op
        for op in plan_submission(submission, shipped, context=CONTEXT).operations
        if op.target == "annotation"
    ]
    expected = [str(uuid.uuid5(submission.id, str(a.id))) for a in submission.attachments]
    assert [dict(note.key)["annotationid"] for note in notes] == expected
    assert notes[0].body["filename"] == "trou.jpg"
    assert notes[1].body["mimetype"] == "application/pdf"


def test_replanning_the_same_submission_gives_the_same_plan(
    shipped: MappingSet, make_submission: MakeSubmission
) -> None:
    first = plan_submission(make_submission(), shipped, context=CONTEXT)
    assert plan_submission(make_submission(), shipped, context=CONTEXT) == first


def test_certified_pivot_keys_the_contact_and_identity_key_only_fills_a_new_one(
    shipped: MappingSet, make_submission: MakeSubmission
) -> None:
    contact = plan_submission(make_submission(), shipped, context=CONTEXT).operation("contact")
    assert [column for column, _ in contact.key] == ["cz_pivotkey"]
    assert "cz_identitykey" in contact.fill_blanks
    assert "cz_identitykey" not in contact.body


def test_a_second_client_with_a_new_sub_lands_on_the_same_contact_key(
    shipped: MappingSet, make_submission: MakeSubmission
) -> None:
    web = plan_submission(make_submission(), shipped, context=CONTEXT).operation("contact")
    mobile = plan_submission(
        make_submission(citizen={"sub": "another-client-sub"}), shipped, context=CONTEXT
    ).operation("contact")
    assert web.key == mobile.key


def test_without_a_certified_pivot_the_identity_key_is_used(
    shipped: MappingSet, make_submission: MakeSubmission
) -> None:
    contact = plan_submission(
        make_submission(citizen=UNCERTIFIED_CITIZEN), shipped, context=CONTEXT
    ).operation("contact")
    expected = identity_key("https://login.example-city.fr", "user-42", pepper=b"test-pepper")
    assert contact.key == (("cz_identitykey", expected),)
    assert "cz_pivotkey" not in contact.body


def test_certified_claims_are_written_and_typed_ones_only_fill_blanks(
    shipped: MappingSet, make_submission: MakeSubmission
) -> None:
    contact = plan_submission(make_submission(), shipped, context=CONTEXT).operation("contact")
    assert contact.body["firstname"] == "Angela Claire Louise"
    assert contact.body["birthdate"] == "1962-08-24"
    assert contact.body["gendercode"] == 2
    # The e-mail and phone were typed by the citizen: never over an existing contact.
    assert "emailaddress1" not in contact.body
    assert contact.fill_blanks["emailaddress1"] == "angela.dubois@example.fr"
    assert contact.fill_blanks["mobilephone"] == "+33612345678"


def test_a_certified_email_is_written_to_the_contact(
    shipped: MappingSet, make_submission: MakeSubmission
) -> None:
    certified = [*make_submission().citizen.certified, "email"]
    contact = plan_submission(
        make_submission(citizen={"certified": certified}), shipped, context=CONTEXT
    ).operation("contact")
    assert contact.body["emailaddress1"] == "angela.dubois@example.fr"


def test_typed_values_are_recorded_on_the_case(
    shipped: MappingSet, make_submission: MakeSubmission
) -> None:
    case = plan_submission(make_submission(), shipped, context=CONTEXT).operation("incident")
    assert case.body["cz_typedemail"] == "angela.dubois@example.fr"
    assert case.body["cz_typedphone"] == "+33612345678"


def test_usage_name_is_the_contact_last_name_when_given(
    shipped: MappingSet, make_submission: MakeSubmission
) -> None:
    certified = [*make_submission().citizen.certified, "preferred_username"]
    married = make_submission(citizen={"preferred_username": "MARTIN", "certified": certified})
    contact = plan_submission(married, shipped, context=CONTEXT).operation("contact")
    assert (contact.body["lastname"], contact.body["cz_birthname"]) == ("MARTIN", "DUBOIS")


def test_lookalike_check_is_data_with_typed_values(
    shipped: MappingSet, make_submission: MakeSubmission
) -> None:
    plan = plan_submission(make_submission(), shipped, context=CONTEXT)
    assert plan.lookalike is not None
    query = plan.lookalike.query
    assert query.entity_set == "contacts"
    assert query.exclude_primary_id == "contactid"
    names_group, email_group = query.any_of
    birthdate = next(c for c in names_group if c.column == "birthdate")
    assert birthdate.value.isoformat() == "1962-08-24"  # a date literal, not a formatted string
    assert email_group == (Condition("emailaddress1", "Angela.Dubois@example.fr"),)
    flag = plan.lookalike.flag
    assert (flag.entity_set, flag.mode, dict(flag.body)) == (
        "incidents",
        "update",
        {"cz_lookalikecontact": True},
    )
    assert flag.key == plan.operation("incident").key


def test_a_group_without_all_values_is_left_out_of_the_lookalike_query(
    shipped: MappingSet, make_submission: MakeSubmission
) -> None:
    no_birthdate = {**UNCERTIFIED_CITIZEN, "birthdate": None}
    plan = plan_submission(make_submission(citizen=no_birthdate), shipped, context=CONTEXT)
    assert plan.lookalike is not None
    assert plan.lookalike.query.any_of == (
        (Condition("emailaddress1", "Angela.Dubois@example.fr"),),
    )
    nothing = {**no_birthdate, "email": None}
    plan = plan_submission(make_submission(citizen=nothing), shipped, context=CONTEXT)
    assert plan.lookalike is None


@pytest.mark.parametrize(("theme", "sub_theme"), [("voirie", "piscine"), ("culture", "autre")])
def test_unknown_theme_is_a_permanent_plan_error(
    shipped: MappingSet, make_submission: MakeSubmission, theme: str, sub_theme: str
) -> None:
    with pytest.raises(PlanError) as caught:
        plan_submission(make_submission(theme=theme, sub_theme=sub_theme), shipped, context=CONTEXT)
    assert caught.value.code == "unknown_theme"
    assert not caught.value.is_transient


def test_invalid_form_fields_are_refused_before_anything_is_written(
    shipped: MappingSet, make_submission: MakeSubmission
) -> None:
    with pytest.raises(FormValidationError) as caught:
        plan_submission(
            make_submission(fields={"danger": "yes", "couleur": "rouge"}), shipped, context=CONTEXT
        )
    problems = {p.field: p.code for p in caught.value.problems}
    assert problems == {
        "fields.couleur": "unknown_field",
        "fields.taille": "missing",
        "fields.danger": "bool_type",
    }


def test_plan_errors_never_contain_personal_data(
    shipped: MappingSet, make_submission: MakeSubmission
) -> None:
    submission = make_submission(channel="phone", fields={"taille": "énorme"})
    with pytest.raises(PlanError) as caught:
        plan_submission(submission, shipped, context=CONTEXT)
    text = str(caught.value)
    for secret in ("DUBOIS", "Angela", "example.fr", "4abd71ec", "1962"):
        assert secret not in text


def test_the_pepper_is_not_shown_in_the_context_repr() -> None:
    assert "s3cret" not in repr(PlanContext(pepper=b"s3cret"))
