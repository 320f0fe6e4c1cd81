"""Hostile and malformed input: clear 400s, never a 500, never a changed database."""

from __future__ import annotations

import json
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cityzen_connector.emulator import EmulatorApp, EmulatorConfig, create_app

from .conftest import TOKEN, Api, call


def _count(app: EmulatorApp, entity_set: str) -> int:
    status, _, body = call(app, "GET", entity_set, query="$count=true&$top=0")
    assert status == 200
    return int(json.loads(body)["@odata.count"])


def test_missing_token_gets_401_with_challenge(api: Api) -> None:
    response = api.session.get(api.url("contacts"), headers={"Authorization": ""}, timeout=10)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer authorization_uri=")
    assert response.content == b""


def test_strict_mode_refuses_a_wrong_token(api: Api) -> None:
    response = api.session.get(
        api.url("contacts"), headers={"Authorization": "Bearer not-" + TOKEN}, timeout=10
    )
    assert response.status_code == 401


def test_non_strict_mode_accepts_any_bearer_token() -> None:
    app = create_app(EmulatorConfig())
    status, _, _ = call(app, "GET", "contacts", headers={"Authorization": "Bearer anything"})
    assert status == 200


def test_malformed_json_and_wrong_shapes_are_payload_errors(app: EmulatorApp) -> None:
    for body in ("{not json", "[1, 2]", '"text"', "\xff\xfe"):
        status, _, payload = call(app, "POST", "contacts", body)
        assert status == 400, body
        assert json.loads(payload)["error"]["code"] == "0x80048d19"
    assert _count(app, "contacts") == 0


def test_wrong_content_type_is_415(app: EmulatorApp) -> None:
    status, _, _ = call(
        app, "POST", "contacts", "lastname=x", headers={"Content-Type": "text/plain"}
    )
    assert status == 415
    assert _count(app, "contacts") == 0


def test_oversized_body_is_413_without_reading_it() -> None:
    app = create_app(EmulatorConfig(max_body_bytes=1024))
    status, _, _ = call(app, "POST", "contacts", {"description": "x" * 5000})
    assert status == 413
    assert _count(app, "contacts") == 0


def test_deeply_nested_json_is_refused_cleanly(app: EmulatorApp) -> None:
    status, _, _ = call(app, "POST", "contacts", "[" * 100_000 + "]" * 100_000)
    assert status == 400


def test_sql_injection_attempts_are_inert(api: Api, app: EmulatorApp) -> None:
    before = _count(app, "subjects")
    attacks = [
        "title eq 'x'' or 1=1 --'",
        "title eq 'x''); DROP TABLE records; --'",
        "contains(title,'%')",
        "contains(title,'_')",
        'title eq \'" OR ""="\'',
    ]
    for attack in attacks:
        response = api.get("subjects?$filter=" + quote(attack))
        assert response.status_code == 200, attack
        assert response.json()["value"] == [], attack
    injected = api.get("subjects?$select=" + quote("title) FROM records; --"))
    assert injected.status_code == 400
    ordered = api.get("subjects?$orderby=" + quote("title; DROP TABLE records"))
    assert ordered.status_code == 400
    assert _count(app, "subjects") == before


def test_deep_nesting_and_long_filters_are_400(app: EmulatorApp) -> None:
    deep = "(" * 500 + "title eq 'x'" + ")" * 500
    assert call(app, "GET", "subjects", query="$filter=" + quote(deep))[0] == 400
    long = " or ".join(["title eq 'x'"] * 3000)
    assert call(app, "GET", "subjects", query="$filter=" + quote(long))[0] == 400


def test_malformed_keys_and_paths(app: EmulatorApp) -> None:
    for path in ("contacts(not-a-guid)", "contacts(a='x'", "contacts('x')", "contacts()/x"):
        status, _, body = call(app, "GET", path)
        assert status in (400, 404), path
        assert "error" in json.loads(body)


_FILTER_ALPHABET = st.sampled_from(
    [
        *"()',/ ",
        "eq",
        "ne",
        "gt",
        "and",
        "or",
        "not",
        "null",
        "true",
        "title",
        "x",
        "1",
        "contains",
        "_parentsubject_value",
        "2026-01-01",
        "parentsubject",
        "'",
    ]
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(_FILTER_ALPHABET, max_size=12).map(" ".join) | st.text(max_size=60))
def test_arbitrary_filters_never_cause_a_server_error(app: EmulatorApp, text: str) -> None:
    status, _, body = call(app, "GET", "subjects", query="$filter=" + quote(text))
    assert status in (200, 400), (text, body)
    if status == 400:
        assert json.loads(body)["error"]["message"]


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "lastname",
                "firstname",
                "birthdate",
                "donotemail",
                "x@odata.bind",
                "parentcustomerid_account@odata.bind",
                "contactid",
                "_ownerid_value",
            ]
        ),
        st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=80), st.floats()),
    )
)
def test_arbitrary_payloads_never_cause_a_server_error(
    app: EmulatorApp, payload: dict[str, object]
) -> None:
    status, _, _ = call(app, "POST", "contacts", json.dumps(payload))
    assert status in (204, 400, 404, 412), payload


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=8,
)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.sampled_from(
        [
            "EntityDefinitions(LogicalName='contact')/Attributes",
            "EntityDefinitions(LogicalName='contact')/Keys",
            "InsertOptionValue",
            "contacts/Microsoft.Dynamics.CRM.CreateMultiple",
            "contacts/Microsoft.Dynamics.CRM.UpsertMultiple",
        ]
    ),
    st.dictionaries(
        st.sampled_from(
            [
                "@odata.type",
                "SchemaName",
                "MaxLength",
                "KeyAttributes",
                "RequiredLevel",
                "Format",
                "EntityLogicalName",
                "AttributeLogicalName",
                "Label",
                "Value",
                "Targets",
            ]
        ),
        _JSON,
    ),
)
def test_arbitrary_action_and_metadata_bodies_never_cause_a_server_error(
    app: EmulatorApp, path: str, body: dict[str, object]
) -> None:
    status, _, payload = call(app, "POST", path, json.dumps(body))
    assert status in (200, 204, 400, 404, 412), (path, body, payload)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.sampled_from(
            [
                "--b\r\n",
                "--b--\r\n",
                "Content-Type: application/http\r\n",
                "Content-Type: multipart/mixed; boundary=c\r\n",
                "--c\r\n",
                "--c--\r\n",
                "Content-ID: 1\r\n",
                "\r\n",
                "POST /api/data/v9.2/contacts HTTP/1.1\r\n",
                "GET $1 HTTP/1.1\r\n",
                "PATCH $1 HTTP/1.1\r\n",
                "DELETE /api/data/v9.2/contacts(00000000-0000-0000-0000-000000000001) HTTP/1.1\r\n",
                "Content-Type: application/json\r\n",
                '{"lastname": "x"}\r\n',
                '{"parentcustomerid_contact@odata.bind": "$1"}\r\n',
                "garbage \x00\xff\r\n",
            ]
        ),
        max_size=25,
    ).map("".join)
)
def test_arbitrary_batch_bodies_never_cause_a_server_error(app: EmulatorApp, body: str) -> None:
    status, _, _ = call(
        app,
        "POST",
        "$batch",
        body.encode("utf-8"),
        headers={"Content-Type": "multipart/mixed; boundary=b"},
    )
    assert status in (200, 204, 400, 404, 405, 412, 415), body


def test_an_internal_failure_answers_like_dataverse_without_details() -> None:
    from datetime import UTC, datetime  # noqa: PLC0415

    broken = {"now": False}

    def clock() -> datetime:
        if broken["now"]:
            raise RuntimeError("disk on fire: secret@example.org")
        return datetime(2026, 1, 1, tzinfo=UTC)

    app = create_app(EmulatorConfig(), clock=clock)
    broken["now"] = True
    status, _, body = call(app, "POST", "contacts", {"lastname": "X"})
    assert status == 500
    assert json.loads(body) == {
        "error": {"code": "0x80040216", "message": "An unexpected error occurred."}
    }
    assert b"secret@example.org" not in body
    broken["now"] = False
    assert _count(app, "contacts") == 0


# -- Client-caused 500s that are 400s in Dataverse -------------------------------------------
_HUGE = "9" * 5000  # past Python's 4,300-digit int conversion limit (CVE-2020-10735)


def _error(response: tuple[int, dict[str, str], bytes]) -> tuple[int, str, str]:
    status, _, body = response
    error = json.loads(body)["error"]
    return status, error["code"], error["message"]


def test_an_integer_literal_beyond_the_column_type_is_an_invalid_argument(app: EmulatorApp) -> None:
    for literal in ("99999999999999999999999999", "-99999999999999999999999999", "3000000000"):
        status, code, message = _error(
            call(app, "GET", "incidents", query="$filter=" + quote(f"statecode eq {literal}"))
        )
        assert (status, code) == (400, "0x80040203"), literal
        assert "expected argument(s) of type 'System.Int32'" in message
    # A Double column holds it: compared, not refused (OData reads it as Edm.Decimal).
    big = quote("address1_latitude lt 99999999999999999999999999")
    status, _, body = call(app, "GET", "contacts", query="$filter=" + big)
    assert status == 200, body


def test_a_numeric_literal_no_number_type_holds_is_a_query_error(app: EmulatorApp) -> None:
    status, code, message = _error(
        call(app, "GET", "contacts", query="$filter=" + quote(f"address1_latitude lt {_HUGE}"))
    )
    assert (status, code) == (400, "0x80060888")
    assert message.startswith("Numeric string '9999")
    assert message.endswith("is not a valid Int32/Int64/Double/Decimal.")
    assert _HUGE not in message


def test_an_orderby_with_thousands_of_terms_is_a_query_error(app: EmulatorApp) -> None:
    terms = ",".join(["lastname asc", "firstname desc"] * 1000)
    status, code, _ = _error(call(app, "GET", "contacts", query="$orderby=" + quote(terms)))
    assert (status, code) == (400, "0x80060888")
    fine = ",".join(["lastname", "firstname"] * 50)  # 100 terms: still served
    assert call(app, "GET", "contacts", query="$orderby=" + quote(fine))[0] == 200


def _created(app: EmulatorApp) -> str:
    status, headers, _ = call(app, "POST", "contacts", {"lastname": "Durand"})
    assert status == 204
    return headers["odata-entityid"].rsplit("/", 1)[1]


def test_a_lone_surrogate_in_a_json_body_is_a_payload_error_and_nothing_changes(
    app: EmulatorApp,
) -> None:
    record = _created(app)
    bodies = ('{"lastname": "X\\ud800X"}', '{"lastname": "X", "description": "\\udfff"}')
    for body in bodies:
        assert _error(call(app, "POST", "contacts", body))[:2] == (400, "0x80048d19")
        assert _error(call(app, "PATCH", record, body))[:2] == (400, "0x80048d19")
    # A surrogate pair is one character (U+1F642), and stored as such.
    assert call(app, "PATCH", record, '{"firstname": "\\ud83d\\ude42"}')[0] == 204
    status, _, body = call(app, "GET", record, query="$select=lastname,firstname")
    assert status == 200
    assert json.loads(body)["lastname"] == "Durand"
    assert json.loads(body)["firstname"] == "\U0001f642"
    assert _count(app, "contacts") == 1


def test_a_five_thousand_digit_integer_is_a_payload_error_and_nothing_changes(
    app: EmulatorApp,
) -> None:
    record = _created(app)
    for member in ("gendercode", "address1_latitude", "lastname"):
        body = f'{{"{member}": {_HUGE}}}'
        status, code, message = _error(call(app, "POST", "contacts", body))
        assert (status, code) == (400, "0x80048d19"), member
        assert _HUGE not in message  # the literal is shown cut, as Dataverse's messages do
        assert _error(call(app, "PATCH", record, body))[:2] == (400, "0x80048d19")
    assert _count(app, "contacts") == 1
    status, _, body = call(app, "GET", record, query="$select=lastname")
    assert json.loads(body)["lastname"] == "Durand"


def test_nan_infinity_and_1e400_are_payload_errors_not_stored_as_invalid_json(
    app: EmulatorApp,
) -> None:
    # Python's json reads all three; stored, they came back as "Infinity", which is not JSON.
    for number in ("NaN", "Infinity", "-Infinity", "1e400"):
        body = f'{{"lastname": "X", "address1_latitude": {number}}}'
        status, code, message = _error(call(app, "POST", "contacts", body))
        assert (status, code) == (400, "0x80048d19"), number
        assert f"The value '{number}' is not a valid number." in message
    assert _count(app, "contacts") == 0


def test_a_null_statecode_is_refused_as_a_required_column_not_a_crash(app: EmulatorApp) -> None:
    # statecode is SystemRequired in Dataverse's table definitions (contact, account, incident).
    status, code, message = _error(
        call(app, "POST", "contacts", {"lastname": "Durand", "statecode": None})
    )
    assert (status, code) == (400, "0x80040203")
    assert "'statecode'" in message
    record = _created(app)
    assert _error(call(app, "PATCH", record, {"statecode": None}))[:2] == (400, "0x80040203")
    status, _, body = call(app, "GET", record, query="$select=statecode,statuscode")
    assert (json.loads(body)["statecode"], json.loads(body)["statuscode"]) == (0, 1)


def test_long_and_or_chains_are_served_or_refused_never_a_server_error(app: EmulatorApp) -> None:
    # Each term of a chain used to nest the SQL one level deeper: SQLite's parser gave up
    # ("parser stack overflow") from about 100 terms, Python's recursion from about 1,000.
    for op in ("or", "and"):
        chain = f" {op} ".join(["title eq 'x'"] * 300)
        status, _, body = call(app, "GET", "subjects", query="$filter=" + quote(chain))
        assert status == 200, body
    status, code, _ = _error(
        call(app, "GET", "subjects", query="$filter=" + quote(" or ".join(["title eq ''"] * 1300)))
    )
    assert (status, code) == (400, "0x80060888")


def test_nested_not_and_parentheses_are_served_up_to_the_depth_limit(app: EmulatorApp) -> None:
    # The SQL nests where the filter does; SQLite's parser held about 20 levels (and/or/not
    # alternating): 16 are served, more are refused rather than a 500.
    served = [
        "not " * 64 + "title eq 'x'",
        "(" * 60 + "title eq 'x'" + ")" * 60,
        "title eq 'a' or (" * 7 + "title eq 'x'" + " and title ne 'y')" * 7,
        "not (title eq 'a' or " * 8 + "title eq 'x'" + ")" * 8,
        "not (parentcustomerid_account/name eq 'a' or " * 8 + "fullname eq 'x'" + ")" * 8,
    ]
    for text in served:
        entity_set = "contacts" if "fullname" in text else "subjects"
        status, _, body = call(app, "GET", entity_set, query="$filter=" + quote(text))
        assert status == 200, (text[:40], body)
    refused = [
        "not " * 65 + "title eq 'x'",
        "title eq 'a' or (" * 12 + "title eq 'x'" + " and title ne 'y')" * 12,
        "not (title eq 'a' or " * 12 + "title eq 'x'" + ")" * 12,
    ]
    for text in refused:
        status, code, _ = _error(call(app, "GET", "subjects", query="$filter=" + quote(text)))
        assert (status, code) == (400, "0x80060888"), text[:40]
