"""Other WSGI applications on the host's port (``LocalHostConfig.mounts``): the agent desk's API
at ``/desk/api`` beside the HTTP triggers and the portal's files, reached through the port."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

import requests

from cityzen_connector.localhost import LocalHost, LocalHostConfig, StaticSiteConfig
from tests.support.paths import ROOT

WAIT = 5.0
MakeHost = Callable[..., LocalHost]


def recorder(seen: list[str]) -> Callable[..., Iterable[bytes]]:
    def mounted(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        seen.append(str(environ["PATH_INFO"]))
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"mounted": true}']

    return mounted


def test_a_mounted_app_gets_its_prefix_with_the_whole_path_beside_triggers_and_files(
    make_host: MakeHost, config: LocalHostConfig
) -> None:
    seen: list[str] = []
    host = make_host(
        host_config=replace(
            config, web=StaticSiteConfig(ROOT / "web"), mounts=(("/desk/api", recorder(seen)),)
        )
    )
    host.start()
    answer = requests.post(f"{host.url}/desk/api/cases/CAS-1/hold", timeout=WAIT)
    assert answer.json() == {"mounted": True}
    assert seen == ["/desk/api/cases/CAS-1/hold"]
    # The triggers, the portal's page for /desk and a look-alike prefix are not the mount's.
    assert requests.get(f"{host.url}/api/hello/there", timeout=WAIT).text == "hello there"
    page = requests.get(f"{host.url}/desk", timeout=WAIT)
    assert page.headers["Content-Type"].startswith("text/html")
    assert requests.get(f"{host.url}/desk/apiary", timeout=WAIT).status_code == 200  # the page
    assert seen == ["/desk/api/cases/CAS-1/hold"]


def test_without_the_mount_the_desk_api_path_is_a_404_problem_not_the_page(
    make_host: MakeHost, config: LocalHostConfig
) -> None:
    host = make_host(host_config=replace(config, web=StaticSiteConfig(ROOT / "web")))
    host.start()
    answer = requests.get(f"{host.url}/desk/api/cases", timeout=WAIT)
    assert answer.status_code == 404
    assert answer.headers["Content-Type"] == "application/problem+json"


def test_mounts_without_the_portal_leave_every_other_path_to_the_triggers(
    make_host: MakeHost, config: LocalHostConfig
) -> None:
    seen: list[str] = []
    host = make_host(host_config=replace(config, mounts=(("/desk/api/", recorder(seen)),)))
    host.start()
    assert requests.get(f"{host.url}/desk/api", timeout=WAIT).json() == {"mounted": True}
    assert requests.get(f"{host.url}/api/hello/there", timeout=WAIT).text == "hello there"
    assert requests.get(f"{host.url}/desk", timeout=WAIT).status_code == 404
