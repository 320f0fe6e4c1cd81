"""Property tests: arbitrary input never escapes ``InvalidMessage``."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from cityzen_connector.messaging import InvalidMessage, decode
from tests.support.messages import received

_properties = st.dictionaries(
    st.text(max_size=20), st.one_of(st.text(max_size=20), st.integers(), st.booleans(), st.floats())
)


@settings(max_examples=300, deadline=None)
@given(
    body=st.binary(max_size=2048),
    properties=_properties,
    content_type=st.none() | st.text(max_size=40),
)
# Property names are free text: ones spelled like the helper's own parameters included.
@example(
    body=b"", properties={"body": "", "content_type": 1, "properties": True}, content_type=None
)
def test_decode_either_reads_or_refuses_with_a_reason(
    body: bytes, properties: dict[str, object], content_type: str | None
) -> None:
    message = received(body, content_type=content_type, properties=properties)
    try:
        envelope = decode(message, accept=("app.thing/v1",))
    except InvalidMessage as exc:
        reason = exc.reason
        assert reason in {  # either outcome is fine; any other exception is a bug
            "InvalidJson",
            "InvalidEnvelope",
            "UnknownSchema",
            "InvalidContentType",
            "MessageTooLarge",
        }
    else:
        assert envelope.attempt >= 1
        assert isinstance(envelope.payload, dict)
