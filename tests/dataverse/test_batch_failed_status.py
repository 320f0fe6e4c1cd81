"""A ``$batch`` that stopped at a failed change set answers with that failure's status (400 in
Microsoft's "Handling errors" example) and a multipart body: the client reads the parts."""

from __future__ import annotations

import pytest

from cityzen_connector.dataverse import Headers, HttpResponse, ValidationError
from cityzen_connector.testing import FakeClock

from .conftest import ScriptedTransport, error_reply, make_client
from .test_batch import CHANGESET_FAILED, FAILED_TYPE, documented_items


def test_a_400_batch_with_a_multipart_body_reports_each_operation(clock: FakeClock) -> None:
    answer = HttpResponse(400, Headers({"Content-Type": FAILED_TYPE}), CHANGESET_FAILED)
    client = make_client(ScriptedTransport(answer), clock=clock)
    result = client.execute_batch(documented_items())
    first, second, query = result.results
    assert isinstance(first.error, ValidationError)
    assert first.error.code == "0x8004431a"
    assert isinstance(second.error, ValidationError)
    assert query.response is None


def test_a_400_batch_with_a_json_body_is_still_an_error(clock: FakeClock) -> None:
    client = make_client(
        ScriptedTransport(error_reply(400, "0x80040203", "bad batch")), clock=clock
    )
    with pytest.raises(ValidationError):
        client.execute_batch(documented_items())
