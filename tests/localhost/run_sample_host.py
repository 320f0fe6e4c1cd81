"""Runs the sample app on a LocalHost the way `cityzen run` will, for the Ctrl-C test."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from localhost_support import MemoryBus  # noqa: E402

from cityzen_connector._clock import utc_now  # noqa: E402
from cityzen_connector.localhost import LocalHost, LocalHostConfig  # noqa: E402


def main(state: Path) -> int:
    config = LocalHostConfig(port=0, key_file=state / "keys.json", state_dir=state / "host")
    try:
        with LocalHost(HERE / "sample_app", MemoryBus(utc_now), config) as host:
            print(host.url, flush=True)
            host.wait()
    except KeyboardInterrupt:
        print(f"stopped; threads alive: {threading.active_count()}", flush=True)
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
