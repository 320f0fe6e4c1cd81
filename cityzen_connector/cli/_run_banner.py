# ruff: noqa: T201 - a CLI module: printing is its job
"""What ``cityzen run`` prints once everything is up: the banner with its URLs and ready-to-paste
``curl`` lines (the README quickstart shows it), and the sample request those lines file."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from cityzen_connector._private import write_private
from cityzen_connector.settings import Settings

from ._geocoder import address_lines
from ._identity import _program, ops_token_command
from ._signin import banner_lines

SAMPLE_FILE = "sample-request.json"


def sample_request(submission_id: uuid.UUID) -> dict[str, Any]:
    """A valid ``POST /api/v1/requests`` body (FranceConnect's sandbox test identity)."""
    from cityzen_connector.models import EXAMPLE_SUBMISSION  # noqa: PLC0415

    body = {k: v for k, v in EXAMPLE_SUBMISSION.items() if k not in ("submitted_at", "attachments")}
    body["id"] = str(submission_id)
    return body


def banner(
    host_url: str,
    dataverse_url: str,
    function_key: str,
    *,
    sample: Path,
    submission_id: uuid.UUID,
    endpoints: list[tuple[str, str]],
    webhooks: str | None = None,
    geocoder: str | None = None,
    citizen: tuple[str, str] | None = None,
    feeds: str | None = None,
    ops_token_command: str | None = None,
    signin: list[str] | None = None,
    portal: str | None = None,
    open311_key: str | None = None,
    agent_pages: bool = False,
) -> str:
    """What ``cityzen run`` prints once everything is up (the README quickstart shows it);
    ``citizen``: the sample's (issuer, sub), whom the portal names to list their requests;
    ``ops_token_command``: the command printing a local ops token (local mode only);
    ``portal``: the reference portal's URL, printed first; ``agent_pages``: with the agent desk
    and the KPI dashboard beside it (embedded mode, docs/desk.md)."""
    api = f"{host_url}/api/v1"
    lines = [
        "CityZen connector is running. Ctrl-C stops it.",
        "",
        *([f"  Citizen portal    {portal}  (open it in a browser)"] if portal else []),
        *(
            [f"  Agent desk        {portal}desk", f"  KPI dashboard     {portal}dashboard"]
            if portal and agent_pages
            else []
        ),
        f"  Functions host    {api}/",
        f"  OpenAPI document  {api}/openapi.json",
        f"  Dataverse         {dataverse_url.rstrip('/')}/api/data/v9.2/",
        f"  function key      {function_key}",
        "",
        "Functions:",
        *(f"  {name:<20} {url}" for name, url in endpoints),
        "",
        "File the sample request:",
        f"  curl -sS -X POST '{api}/requests' -H 'x-functions-key: {function_key}'"
        f" -H 'Content-Type: application/json' --data-binary '@{sample}'",
        "",
        "Then read its status (queued, then created with its ticket number):",
        f"  curl -sS '{api}/requests/{submission_id}' -H 'x-functions-key: {function_key}'",
        "",
        "Act as an agent on that case (its status and your answers then reach the connector):",
        *(f"  {line}" for line in agent_commands(dataverse_url)),
        "",
        "Then read its status again (citizen_status, its labels and the history) with the same"
        " curl.",
    ]
    if citizen is not None:
        issuer, sub = citizen
        lines += [
            "The citizen's requests, whatever the channel (the portal names the citizen):",
            f"  curl -sS '{api}/citizens/me/requests' -H 'x-functions-key: {function_key}'"
            f" -H 'CityZen-Citizen-Issuer: {issuer}' -H 'CityZen-Citizen-Sub: {sub}'",
            "Everything held about them, as a file downloadable once (RGPD; ready within two"
            " minutes: poll its Location, then fetch its download link):",
            f"  curl -sS -X POST '{api}/citizens/me/data-export' -H 'x-functions-key:"
            f" {function_key}' -H 'CityZen-Citizen-Issuer: {issuer}' -H 'CityZen-Citizen-Sub:"
            f" {sub}'",
            "Their record (contact details, preferences; change it with PATCH and If-Match,"
            " docs/profile.md):",
            f"  curl -sS -i '{api}/citizens/me' -H 'x-functions-key: {function_key}'"
            f" -H 'CityZen-Citizen-Issuer: {issuer}' -H 'CityZen-Citizen-Sub: {sub}'",
        ]
    lines += signin or []
    lines += [
        "",
        "Search procedures and knowledge articles, and type ahead:",
        f"  curl -sS '{api}/search?q=poubelles'",
        f"  curl -sS '{api}/search/suggestions?q=stationnem'",
    ]
    if geocoder:
        lines += address_lines(api, function_key, geocoder)
    lines += [
        "",
        "Read the town's news (newest first) and agenda (upcoming events first):",
        f"  curl -sS '{api}/news?page_size=5'",
        f"  curl -sS '{api}/agenda?category=culture'",
        "",
        "Open data (requests by month, theme, channel and status; small counts withheld):",
        f"  curl -sS '{api}/open-data/requests.csv'",
    ]
    if feeds:
        lines.append(f"(sample feeds of samples/feeds/, served at {feeds}/)")
    if ops_token_command:
        lines += [
            "",
            "Ops API (an Entra ID-shaped token signed by the local key):",
            f"  curl -sS '{api}/ops/queues' -H \"Authorization: Bearer $({ops_token_command})\"",
            "KPIs for agents and ops (the same token):",
            f"  curl -sS '{api}/stats?group_by=sub_theme&period=week'"
            f' -H "Authorization: Bearer $({ops_token_command})"',
        ]
    if open311_key:
        lines += open311_lines(f"{host_url}/api/open311/v2", open311_key)
    if webhooks:
        lines += [
            "",
            f"Webhooks go to the local receiver at {webhooks}: each status change prints a line"
            " starting with 'webhook' (signature verified).",
        ]
    return "\n".join(lines)


def open311_lines(base: str, key: str) -> list[str]:
    """An Open311 GeoReport v2 app's calls (docs/open311.md), with the key issued for this run."""
    return [
        "",
        "Open311 GeoReport v2 apps (FixMyStreet...): services, a request with this run's api key,"
        " then the app's requests and their updates:",
        f"  curl -sS '{base}/services.json'",
        f"  curl -sS '{base}/requests.json' -d 'api_key={key}' -d service_code=voirie.nid_de_poule"
        " -d lat=46.4 -d long=2.6 -d 'attribute[taille]=grand' -d email=camille@example.org",
        f"  curl -sS '{base}/requests.json?api_key={key}'",
        f"  curl -sS '{base}/servicerequestupdates.json?api_key={key}'",
    ]


def agent_commands(dataverse_url: str) -> list[str]:
    """The ``cityzen emulator case`` lines the banner shows (docs/emulator.md)."""
    case = f".venv/bin/cityzen emulator case --dataverse-url {dataverse_url.rstrip('/')}"
    return [
        f"{case} list",
        f"{case} hold <ticket>",
        f"{case} assign <ticket> Voirie",
        f"{case} reply <ticket> --text 'Pouvez-vous envoyer une photo ?'",
        f"{case} resolve <ticket> --resolution 'Nid-de-poule rebouché'",
    ]


def announce(
    settings: Settings,
    host: Any,
    dataverse_url: str,
    webhooks: str | None,
    *,
    geocoder: str | None = None,
    feeds: str | None = None,
    open311_key: str | None = None,
) -> None:
    """Write the sample request (0600, in the data folder) and print the banner for the
    running host: its functions as ``func start`` lists them, and this run's keys and URLs."""
    submission_id = uuid.uuid4()
    sample = settings.data_dir / SAMPLE_FILE
    request = sample_request(submission_id)
    body = json.dumps(request, ensure_ascii=False, indent=2) + "\n"
    write_private(sample, body.encode("utf-8"))  # a citizen's identity, if a made-up one
    from cityzen_connector.localhost import (  # noqa: PLC0415
        ServiceBusTriggerBinding,
        TimerTriggerBinding,
    )

    # As func start lists them: HTTP functions with their URL, the others with their trigger.
    endpoints = [(e.function, e.url) for e in host.endpoints()]
    for spec in sorted(host.functions, key=lambda f: f.name):
        if isinstance(spec.trigger, ServiceBusTriggerBinding):
            endpoints.append((spec.name, f"serviceBusTrigger, queue {spec.trigger.queue_name}"))
        elif isinstance(spec.trigger, TimerTriggerBinding):
            endpoints.append((spec.name, f"timerTrigger, {spec.trigger.schedule} (UTC)"))
    text = banner(
        host.url,
        dataverse_url,
        host.function_key,
        sample=sample,
        submission_id=submission_id,
        endpoints=endpoints,
        webhooks=webhooks,
        geocoder=geocoder,
        citizen=(request["citizen"]["issuer"], request["citizen"]["sub"]),
        feeds=feeds,
        ops_token_command=ops_token_command(settings),
        signin=banner_lines(settings, f"{host.url}/api/v1", _program()),
        portal=f"{host.url}/" if host.config.web is not None else None,
        open311_key=open311_key,
        # The pages sign agents in at the local provider and call the mounted desk API.
        agent_pages=bool(host.config.mounts) and settings.signin_provider,
    )
    print(text, flush=True)
