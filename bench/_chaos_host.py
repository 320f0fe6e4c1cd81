"""The local Functions host alone, on the ``CITYZEN_*`` settings of its environment.

``bench/chaos.py`` starts the host as ``cityzen run --dataverse-url URL`` (the emulator runs in
its own process); until ``cityzen run`` has that flag, it starts this script instead, which is
``cityzen run`` minus the embedded emulator and the provisioning: ``function_app.py`` on
``LocalHost``, the queue and store of ``CITYZEN_QUEUE_URL`` / ``CITYZEN_STORE_URL``, Dataverse at
``CITYZEN_DATAVERSE_URL``. SIGINT or SIGTERM stops it.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # function_app.py imports functions/ from the project root

from cityzen_connector import app  # noqa: E402
from cityzen_connector.localhost import LocalHost  # noqa: E402


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> int:
    signal.signal(signal.SIGTERM, _interrupt)
    settings = app.load_settings()
    app.check(settings)
    deps = app.Container(settings)
    try:
        config = app.localhost_config(settings)
        with LocalHost(settings.localhost_app_dir, deps.bus, config) as host:
            print(f"Functions host    {host.url}/api/v1/", flush=True)
            # Timed waits: a signal is handled only when the main thread runs Python code.
            while not host.wait(0.25):
                pass
    except KeyboardInterrupt:
        pass
    finally:
        deps.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
