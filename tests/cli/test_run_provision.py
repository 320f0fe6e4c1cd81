"""``cityzen run``'s provisioning rounds: a lost reply is planned past, a refusal stops the run,
and a Dataverse that does not answer stops it only when ``cityzen run`` started it itself."""

from __future__ import annotations

import pytest

from cityzen_connector.cli._errors import _StartError
from cityzen_connector.cli._run_provision import ROUNDS, KeyClock, provision_until_done
from cityzen_connector.dataverse import DataverseConnectionError, HttpRequest, HttpResponse
from cityzen_connector.emulator import EmulatorConfig
from cityzen_connector.mapping import MappingSet, load_mappings
from cityzen_connector.sync import plan_provisioning
from cityzen_connector.testing import EmulatorClient, emulator_client
from tests.support.paths import MAPPINGS
from tests.support.transports import CountingTransport


class LosingTransport(CountingTransport):
    """Loses the reply of the first new column's creation — after the emulator created it, as
    a connection cut on the way back does."""

    def __init__(self, inner: CountingTransport) -> None:
        super().__init__(inner.inner)
        self.lost = 0

    def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
        response = super().send(request, timeout=timeout)
        if request.method == "POST" and request.url.endswith("/Attributes") and not self.lost:
            self.lost += 1
            raise DataverseConnectionError("reply lost (test)")
        return response


@pytest.fixture
def world() -> tuple[EmulatorClient, CountingTransport, MappingSet]:
    emulator = emulator_client(config=EmulatorConfig(database=":memory:"))
    counting = CountingTransport(emulator.client.transport)
    emulator.client.transport = counting
    return emulator, counting, load_mappings(MAPPINGS)


def _keys(emulator: EmulatorClient) -> KeyClock:
    return KeyClock(emulator.clock.now, emulator.clock.sleep, deadline_seconds=60.0)


def test_a_lost_reply_is_planned_past_and_everything_is_provisioned(
    world: tuple[EmulatorClient, CountingTransport, MappingSet],
) -> None:
    emulator, counting, mappings = world
    losing = LosingTransport(counting)
    emulator.client.transport = losing
    said: list[str] = []
    line = provision_until_done(emulator.client, mappings, _keys(emulator), echo=said.append)
    assert losing.lost == 1
    assert len(said) == 1
    assert said[0].startswith("Dataverse schema: interrupted (")
    assert said[0].endswith("; planning again")
    missing = len(plan_provisioning(emulator.client, mappings.schema(), mappings.catalog).todo)
    assert missing == 0
    assert line == "Dataverse schema: 27 item(s) provisioned"
    # A second start finds everything there.
    again = provision_until_done(emulator.client, mappings, _keys(emulator), echo=said.append)
    assert again == "Dataverse schema: already provisioned"


def test_a_refusal_stops_the_run_at_once(
    world: tuple[EmulatorClient, CountingTransport, MappingSet],
) -> None:
    emulator, counting, mappings = world
    counting.denied = True  # the application user lost its role: a new plan cannot mend that
    said: list[str] = []
    keys = _keys(emulator)
    with pytest.raises(_StartError) as stopped:
        provision_until_done(
            emulator.client, mappings, keys, echo=said.append, start_when_unavailable=True
        )
    assert stopped.value.code == 1
    assert str(stopped.value).startswith("PermissionDeniedError, HTTP 403")
    assert said == []
    assert counting.count == 1


@pytest.mark.parametrize("external", [False, True], ids=["its-own-emulator", "given-url"])
def test_a_dataverse_that_never_answers(
    world: tuple[EmulatorClient, CountingTransport, MappingSet], external: bool
) -> None:
    emulator, counting, mappings = world
    counting.down = True
    said: list[str] = []

    def provision() -> str:
        return provision_until_done(
            emulator.client,
            mappings,
            _keys(emulator),
            echo=said.append,
            start_when_unavailable=external,
        )

    if external:  # a tenant or an emulator started apart: the queue waits for it
        line = provision()
        assert line.startswith("Dataverse schema: not checked (DataverseConnectionError")
        assert line.endswith("requests wait in the queue until Dataverse answers")
    else:  # the emulator `cityzen run` started itself must answer
        with pytest.raises(_StartError, match=r"^DataverseConnectionError"):
            provision()
    assert len(said) == ROUNDS - 1
