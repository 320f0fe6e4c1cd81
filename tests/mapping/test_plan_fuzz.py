"""Any valid submission either plans into a well-formed change set or is refused with PlanError."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from cityzen_connector.mapping import (
    ContentRef,
    MappingSet,
    PlanContext,
    PlanError,
    plan_submission,
)
from cityzen_connector.models import EXAMPLE_SUBMISSION, PIVOT_FIELDS, Channel, Submission

VALUES = (
    st.booleans() | st.integers(-5, 200) | st.sampled_from(["petit", "grand", "x", "2026-01-02"])
)
FIELD_NAMES = st.sampled_from(
    ["taille", "danger", "volume", "numero", "depuis", "debut", "nature", "autre"]
)
THEMES = st.sampled_from(
    [
        ("voirie", "nid_de_poule"),
        ("stationnement", "genant"),
        ("voirie", "depot_sauvage"),
        ("voirie", "eclairage"),
        ("travaux", "permission_voirie"),
        ("culture", "musee"),
    ]
)
ALL_CLAIMS = [*PIVOT_FIELDS, "email", "phone"]


@settings(max_examples=150, deadline=None)
@given(
    theme=THEMES,
    fields=st.dictionaries(FIELD_NAMES, VALUES, max_size=4),
    channel=st.sampled_from(list(Channel)),
    attachments=st.integers(0, 2),
    certified=st.sets(st.sampled_from(ALL_CLAIMS)),
)
def test_valid_submissions_plan_or_are_refused_cleanly(
    shipped: MappingSet,
    theme: tuple[str, str],
    fields: dict[str, Any],
    channel: Channel,
    attachments: int,
    certified: set[str],
) -> None:
    data = copy.deepcopy(EXAMPLE_SUBMISSION)
    data.update(theme=theme[0], sub_theme=theme[1], fields=fields, channel=channel.value)
    data["attachments"] = data["attachments"][:attachments]
    data["citizen"]["certified"] = sorted(certified)
    submission = Submission.model_validate(data)
    refused: PlanError | None = None
    try:
        plan = plan_submission(submission, shipped, context=PlanContext(pepper=b"k"))
    except PlanError as exc:
        refused = exc
    if refused is not None:
        assert refused.code in {"unknown_theme", "invalid_form_fields"}
        return
    assert [op.content_id for op in plan.operations] == [str(i) for i in range(1, 3 + attachments)]
    for op in plan.operations:
        for bind in op.binds.values():
            if isinstance(bind, ContentRef):
                assert int(bind.content_id) < int(op.content_id)
        assert set(op.body).isdisjoint(op.fill_blanks)
    contact = plan.operation("contact")
    key_columns = [column for column, _ in contact.key]
    expected = "cz_pivotkey" if set(PIVOT_FIELDS) <= certified else "cz_identitykey"
    assert key_columns == [expected]
    assert ("emailaddress1" in contact.body) == ("email" in certified)
