# ruff: noqa: T201 - a CLI module: printing is its job
"""The embedded geocoder ``cityzen run`` starts: address help without internet.

It serves ``portal.LocalGeocoderApp`` (the Géoplateforme's ``/search`` and ``/reverse`` over the
BAN-format files of ``CITYZEN_GEOCODER_SAMPLE_DIR``: a fictional metropolis) on 127.0.0.1:7074
and points ``CITYZEN_GEOCODER_URL`` at it, so the very adapter deployed in Azure answers the
demo's address routes. Started by default unless the environment names a geocoder; a default
port in use is one line (address help then answers 503), an asked-for one stops the run.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cityzen_connector.settings import ENV_PREFIX

from ._errors import _StartError

if TYPE_CHECKING:
    from cityzen_connector.emulator import ServerHandle

DEFAULT_PORT = 7074
PATH = "/geocodage"
_VARIABLE = ENV_PREFIX + "GEOCODER_URL"


@dataclass(frozen=True)
class GeocoderPlan:
    """Where to serve the embedded geocoder; ``explicit``: asked for with a flag."""

    port: int
    explicit: bool


def geocoder_plan(args: argparse.Namespace, environ: Mapping[str, str]) -> GeocoderPlan | None:
    """Whether ``cityzen run`` serves the embedded geocoder: by default, unless
    ``CITYZEN_GEOCODER_URL`` names one or ``--no-geocoder`` says so."""
    wanted = getattr(args, "geocoder", None)
    port = getattr(args, "geocoder_port", None)
    if wanted is False or (wanted is None and port is None and _VARIABLE in environ):
        return None
    return GeocoderPlan(
        DEFAULT_PORT if port is None else port, explicit=bool(wanted) or port is not None
    )


def start_geocoder(
    plan: GeocoderPlan | None, env: MutableMapping[str, str], sample_dir: Path
) -> ServerHandle | None:
    """The embedded geocoder, served, and ``CITYZEN_GEOCODER_URL`` naming it; ``None`` when not
    wanted, or (default port) when it cannot start."""
    if plan is None:
        return None
    from cityzen_connector.emulator import ServeError, serve  # noqa: PLC0415
    from cityzen_connector.portal import (  # noqa: PLC0415
        LocalGeocoderApp,
        LocalGeocoderDataError,
        load_addresses,
    )

    try:
        index = load_addresses(sample_dir)
        handle = serve(LocalGeocoderApp(index, prefix=PATH), "127.0.0.1", plan.port)
    except (LocalGeocoderDataError, ServeError, OSError) as exc:
        why = f"{exc}"
        if plan.explicit:
            raise _StartError(f"embedded geocoder: {why} (use --geocoder-port)") from exc
        print(f"embedded geocoder not started ({why}): address help answers 503", flush=True)
        return None
    env[_VARIABLE] = handle.url + PATH
    return handle


def address_lines(api: str, function_key: str, geocoder_url: str) -> list[str]:
    """The banner's address help lines: two curl commands on the sample's addresses."""
    key = f"-H 'x-functions-key: {function_key}'"
    return [
        "",
        f"Address help, from the embedded geocoder at {geocoder_url} (a fictional metropolis):",
        f"  curl -sS '{api}/address?q=12+rue+de+la+republique&limit=3' {key}",
        f"  curl -sS '{api}/address/reverse?lat=46.39995&lon=2.60285' {key}",
    ]
