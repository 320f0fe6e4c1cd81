"""The live suite (``pytest -m live``, docs/live.md) cannot rot unseen: here it runs, in a pytest
of its own, against the emulator served over TLS on 127.0.0.1 as if it were a real
organisation: the ``CITYZEN_LIVE_*`` settings point at it, msal asks a stand-in for Entra ID
(msal's ``http_client`` seam, tests/support/live_wiring.py) for the token the emulator demands,
requests checks the emulator's certificate. Rows of others are in the organisation before the
run; after it they are all there, unchanged, and nothing else is."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from cityzen_connector.dataverse import (
    DataverseClient,
    DataverseConfig,
    Query,
    StaticTokenProvider,
    WsgiTransport,
    ops,
)
from cityzen_connector.emulator import EmulatorConfig, serve
from cityzen_connector.testing import FakeClock
from tests.support import live
from tests.support.emulator import provisioned_emulator
from tests.support.entra import CLIENT, TENANT
from tests.support.paths import ROOT

# The first token FakeEntra issues; the emulator refuses any other (strict mode).
TOKEN = "app-token-1"
# Every row of the tables the live tests write: (entity set, id) -> version.
WRITTEN = ("contacts", "incidents", "incidentresolutions", "annotations")
PRIMARY = {"incidentresolutions": "activityid"}


def live_suite() -> list[str]:
    """Every test module running against ``dataverse_target``."""
    return sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "tests").rglob("test_*.py")
        if path != Path(__file__) and "dataverse_target" in path.read_text(encoding="utf-8")
    )


def snapshot(client: DataverseClient) -> dict[tuple[str, str], int]:
    rows = {}
    for entity_set in WRITTEN:
        primary = PRIMARY.get(entity_set, entity_set[:-1] + "id")
        for row in client.query(Query(entity_set).select(primary, "versionnumber")):
            rows[(entity_set, row[primary])] = row["versionnumber"]
    return rows


def test_without_settings_the_live_tests_are_skipped_naming_them() -> None:
    assert live.LiveSettings.from_environ({live.URL: "https://contoso.crm4.dynamics.com"}) is None
    reason = live.skip_reason(live.missing_settings({live.URL: "https://x", live.CLIENT_ID: "c"}))
    assert live.TENANT_ID in reason
    assert live.CLIENT_SECRET in reason
    assert live.CERTIFICATE_PATH in reason
    assert live.URL not in reason


def test_the_live_suite_runs_against_an_organisation_served_on_127_0_0_1(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    app = provisioned_emulator(
        live.shipped_mappings(), clock, EmulatorConfig(key_activation_seconds=0, token=TOKEN)
    )
    client = DataverseClient(
        DataverseConfig("http://127.0.0.1:7072"),
        WsgiTransport(app),
        StaticTokenProvider(TOKEN),
        clock=clock,
    )
    # Others' rows: a citizen with a case and a note, and a row tagged by another run.
    citizen = client.create("contacts", {"lastname": "Martin", "firstname": "Zoé"}).id
    assert citizen is not None
    case = client.create(
        "incidents",
        {"title": "Lampadaire", "customerid_contact@odata.bind": ops.ref("contacts", citizen)},
    ).id
    client.create(
        "annotations",
        {"filename": "photo.jpg", "objectid_incident@odata.bind": ops.ref("incidents", case)},
    )
    client.create("contacts", {"lastname": f"{live.TAG_PREFIX}00000000 Autre"})
    before = snapshot(client)
    suite = live_suite()
    assert "tests/dataverse/test_organisation.py" in suite

    server = serve(app, "127.0.0.1", 0, tls=True, cert_dir=tmp_path / "tls")
    try:
        environ = {k: v for k, v in os.environ.items() if not k.startswith("CITYZEN_LIVE_")}
        environ.update({
            live.URL: server.url,
            live.TENANT_ID: TENANT,
            live.CLIENT_ID: CLIENT,
            live.CLIENT_SECRET: "s3cret",
            "REQUESTS_CA_BUNDLE": str(server.cert_path),
        })  # fmt: skip
        report = tmp_path / "live.xml"
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-m", "live", "-p", "tests.support.live_wiring",
             "-p", "no:cacheprovider", "-q", f"--junitxml={report}", *suite],
            cwd=ROOT, env=environ, capture_output=True, text=True, timeout=240, check=False,
        )  # fmt: skip
    finally:
        server.stop()
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    cases = ET.parse(report).getroot().iter("testcase")
    outcomes = {c.get("name"): [child.tag for child in c] for c in cases}
    assert outcomes, run.stdout
    # Every test ran live, and passed: none skipped, none deselected by mistake.
    assert all(name.endswith("[live]") for name in outcomes), outcomes
    assert all(children == [] for children in outcomes.values()), outcomes
    assert snapshot(client) == before
    app.close()
