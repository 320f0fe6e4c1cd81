"""``cityzen run``'s configuration and what it prints (the process itself: tests/e2e)."""

from __future__ import annotations

import argparse
import json
import shlex
import socket
import uuid
from pathlib import Path

import pytest
import requests

from cityzen_connector.cli import build_parser
from cityzen_connector.cli._errors import _StartError
from cityzen_connector.cli._geocoder import GeocoderPlan, geocoder_plan, start_geocoder
from cityzen_connector.cli._identity import ops_token_command
from cityzen_connector.cli._run import (
    _start_emulator,
    external_dataverse,
    local_environment,
    sample_request,
)
from cityzen_connector.emulator import BASE_PATH
from cityzen_connector.settings import ENV_PREFIX, Settings
from tests.support.banner import run_banner
from tests.support.paths import ROOT


def args(**values: object) -> argparse.Namespace:
    defaults = {"port": None, "emulator_port": None, "data_dir": None, "dataverse_url": None}
    return argparse.Namespace(**{**defaults, **values})


def test_defaults_keep_everything_under_the_default_data_folder() -> None:
    env = local_environment(args(), {})
    assert env == {
        "CITYZEN_DATA_DIR": ".cityzen",
        "CITYZEN_QUEUE_URL": "sqlite:///.cityzen/queue.db",
        "CITYZEN_STORE_URL": "sqlite:///.cityzen/state.db",
        "CITYZEN_BLOB_URL": "file://.cityzen/blobs",
        "CITYZEN_EMULATOR_DATA_DIR": ".cityzen/emulator",
    }
    # The same as the settings' own defaults: `make run` is the embedded default mode.
    defaults = Settings()
    assert env["CITYZEN_QUEUE_URL"] == defaults.queue_url
    assert env["CITYZEN_STORE_URL"] == defaults.store_url
    assert env["CITYZEN_BLOB_URL"] == defaults.blob_url


def test_flags_move_ports_and_data_and_every_name_is_a_real_setting(tmp_path: Path) -> None:
    env = local_environment(args(port=0, emulator_port=7172, data_dir=tmp_path), {})
    assert env["CITYZEN_LOCALHOST_PORT"] == "0"
    assert env["CITYZEN_EMULATOR_PORT"] == "7172"
    assert env["CITYZEN_QUEUE_URL"] == f"sqlite:///{tmp_path / 'queue.db'}"
    fields = {ENV_PREFIX + name.upper() for name in Settings.model_fields}
    assert set(env) <= fields
    # Port 0 (any free port) is given to the emulator's server, not to the settings (>= 1).
    assert "CITYZEN_EMULATOR_PORT" not in local_environment(args(emulator_port=0), {})


def test_what_the_environment_names_already_is_kept() -> None:
    environ = {"CITYZEN_DATA_DIR": "/srv/cz", "CITYZEN_QUEUE_URL": "memory://shared"}
    env = local_environment(args(), environ)
    assert "CITYZEN_QUEUE_URL" not in env
    assert env["CITYZEN_STORE_URL"] == "sqlite:////srv/cz/state.db"


def test_the_sample_request_is_valid_json_with_the_given_id_and_no_server_fields() -> None:
    submission_id = uuid.uuid4()
    body = sample_request(submission_id)
    assert body["id"] == str(submission_id)
    assert "submitted_at" not in body
    assert "attachments" not in body
    json.dumps(body)


def test_the_printed_curl_commands_parse_as_shell_words() -> None:
    text = run_banner(
        sample=Path("/tmp/data dir/sample-request.json"),
        endpoints=[("health", "http://127.0.0.1:7071/api/v1/health")],
        ops_token_command="CITYZEN_DATA_DIR='/tmp/data dir' .venv/bin/cityzen identity ops-token",
        citizen=("https://fcp-low.sbx.dev-franceconnect.fr/api/v2", "4abd71ec"),
    )
    curls = [line.strip() for line in text.splitlines() if line.strip().startswith("curl")]
    post, get, mine, export, record, search, suggestions, news, agenda, open_data, ops, stats = (
        shlex.split(c) for c in curls
    )
    assert export[2:4] == ["-X", "POST"]
    assert export[4] == "http://127.0.0.1:7071/api/v1/citizens/me/data-export"
    assert "CityZen-Citizen-Sub: 4abd71ec" in export
    assert record[3] == "http://127.0.0.1:7071/api/v1/citizens/me"
    assert record[4:] == mine[3:]
    assert open_data == ["curl", "-sS", "http://127.0.0.1:7071/api/v1/open-data/requests.csv"]
    assert stats[2] == "http://127.0.0.1:7071/api/v1/stats?group_by=sub_theme&period=week"
    assert stats[4] == ops[4]
    assert mine[2] == "http://127.0.0.1:7071/api/v1/citizens/me/requests"
    assert "CityZen-Citizen-Issuer: https://fcp-low.sbx.dev-franceconnect.fr/api/v2" in mine
    assert "CityZen-Citizen-Sub: 4abd71ec" in mine
    assert post[post.index("--data-binary") + 1] == "@/tmp/data dir/sample-request.json"
    assert search[2] == "http://127.0.0.1:7071/api/v1/search?q=poubelles"
    assert suggestions[2] == "http://127.0.0.1:7071/api/v1/search/suggestions?q=stationnem"
    assert "x-functions-key: k3y" in post
    assert get[2] == "http://127.0.0.1:7071/api/v1/requests/00000000-0000-0000-0000-000000000001"
    assert "  function key      k3y" in text.splitlines()
    assert news == ["curl", "-sS", "http://127.0.0.1:7071/api/v1/news?page_size=5"]
    assert agenda == ["curl", "-sS", "http://127.0.0.1:7071/api/v1/agenda?category=culture"]
    assert ops[2] == "http://127.0.0.1:7071/api/v1/ops/queues"
    assert ops[4] == (
        "Authorization: Bearer $(CITYZEN_DATA_DIR='/tmp/data dir' .venv/bin/cityzen identity"
        " ops-token)"
    )


def test_the_ops_line_is_printed_only_where_a_local_key_signs_ops_tokens(tmp_path: Path) -> None:
    local = Settings(_env_file=None)
    assert ops_token_command(local, "cityzen") == "cityzen identity ops-token"
    elsewhere = Settings(_env_file=None, data_dir=tmp_path / "a b")
    assert ops_token_command(elsewhere, ".venv/bin/cityzen") == (
        f"CITYZEN_DATA_DIR='{tmp_path / 'a b'}' .venv/bin/cityzen identity ops-token"
    )
    tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
    entra = Settings(_env_file=None, ops_tenant_id=tenant, ops_audience="api-client-id")
    assert ops_token_command(entra) is None
    without = run_banner(
        sample=Path("/tmp/sample.json"),
    )
    assert "/ops/" not in without


def test_the_emulator_it_starts_waits_out_the_configured_latency(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None, emulator_data_dir=tmp_path, emulator_fault_latency_seconds=0.75
    )
    slept: list[float] = []
    emulator, handle = _start_emulator(settings, 0, sleep=slept.append)
    try:
        assert slept == []  # seeding is not a request
        for _ in range(2):
            response = requests.get(
                handle.url + BASE_PATH + "WhoAmI",
                headers={"Authorization": "Bearer local-dev-token"},
                timeout=10,
            )
            assert response.status_code == 200
    finally:
        handle.stop()
        emulator.close()
    assert slept == [0.75, 0.75]


def test_a_dataverse_url_flag_or_variable_means_no_emulator_is_started() -> None:
    url = "http://127.0.0.1:7172"
    assert external_dataverse(args(dataverse_url=url), {}) == url
    assert local_environment(args(dataverse_url=url), {})["CITYZEN_DATAVERSE_URL"] == url
    # The documented variable, set in the environment, counts too; the flag wins over it.
    assert external_dataverse(args(), {"CITYZEN_DATAVERSE_URL": url}) == url
    assert external_dataverse(args(dataverse_url=url), {"CITYZEN_DATAVERSE_URL": "x"}) == url
    # Neither: `cityzen run` starts its emulator and points the connector at it.
    assert external_dataverse(args(), {}) is None
    assert external_dataverse(args(), {"CITYZEN_DATAVERSE_URL": ""}) is None
    assert "CITYZEN_DATAVERSE_URL" not in local_environment(args(), {})


def test_a_dataverse_url_and_an_emulator_port_do_not_go_together(
    capsys: pytest.CaptureFixture[str],
) -> None:
    parser = build_parser()
    parsed = parser.parse_args(["run", "--dataverse-url", "http://127.0.0.1:7172"])
    assert parsed.dataverse_url == "http://127.0.0.1:7172"
    with pytest.raises(SystemExit) as refused:
        parser.parse_args(["run", "--dataverse-url", "http://x", "--emulator-port", "7172"])
    assert refused.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_the_embedded_geocoder_is_started_unless_one_is_named() -> None:
    assert geocoder_plan(args(), {}) == GeocoderPlan(7074, explicit=False)
    assert geocoder_plan(args(geocoder_port=0), {}) == GeocoderPlan(0, explicit=True)
    assert (
        geocoder_plan(args(), {"CITYZEN_GEOCODER_URL": "https://data.geopf.fr/geocodage"}) is None
    )
    assert geocoder_plan(args(geocoder=False), {}) is None
    assert geocoder_plan(args(geocoder=True), {"CITYZEN_GEOCODER_URL": "x"}) == GeocoderPlan(
        7074, explicit=True
    )


def test_the_embedded_geocoder_serves_the_sample_and_names_itself(tmp_path: Path) -> None:
    env: dict[str, str] = {}
    handle = start_geocoder(GeocoderPlan(0, explicit=True), env, ROOT / "samples" / "addresses")
    assert handle is not None
    try:
        url = env["CITYZEN_GEOCODER_URL"]
        assert url == handle.url + "/geocodage"
        found = requests.get(f"{url}/search", params={"q": "valbrume", "limit": "1"}, timeout=10)
        assert found.json()["features"][0]["properties"]["label"] == "Valbrume"
    finally:
        handle.stop()


def test_a_geocoder_that_cannot_start_stops_the_run_only_when_asked_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env: dict[str, str] = {}
    assert start_geocoder(GeocoderPlan(0, explicit=False), env, tmp_path) is None  # no files
    assert "embedded geocoder not started" in capsys.readouterr().out
    assert env == {}
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(_StartError, match=r"cannot listen .*use --geocoder-port"):
            start_geocoder(GeocoderPlan(port, explicit=True), env, ROOT / "samples" / "addresses")


def test_the_address_curl_lines_parse_and_carry_the_key() -> None:
    text = run_banner(
        geocoder="http://127.0.0.1:7074/geocodage",
    )
    curls = [shlex.split(line) for line in text.splitlines() if "/address" in line]
    assert [c[2] for c in curls] == [
        "http://127.0.0.1:7071/api/v1/address?q=12+rue+de+la+republique&limit=3",
        "http://127.0.0.1:7071/api/v1/address/reverse?lat=46.39995&lon=2.60285",
    ]
    assert all("x-functions-key: k3y" in c for c in curls)


def test_the_portal_url_is_the_first_address_printed() -> None:
    text = run_banner(
        portal="http://127.0.0.1:7071/",
    )
    urls = [line for line in text.splitlines() if "http://" in line]
    assert urls[0] == "  Citizen portal    http://127.0.0.1:7071/  (open it in a browser)"


def test_the_agent_pages_follow_the_portal_when_embedded() -> None:
    text = run_banner(
        portal="http://127.0.0.1:7071/",
        agent_pages=True,
    )
    urls = [line for line in text.splitlines() if "http://" in line]
    assert urls[1:3] == [
        "  Agent desk        http://127.0.0.1:7071/desk",
        "  KPI dashboard     http://127.0.0.1:7071/dashboard",
    ]
