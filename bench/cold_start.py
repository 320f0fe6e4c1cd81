"""Cold start of the Function App: importing and indexing ``function_app`` in a fresh interpreter.

One command: ``.venv/bin/python bench/cold_start.py``. What the Python worker does before the
first invocation (import ``function_app.py``, ``app.get_functions()``), measured in fresh
interpreters, next to ``import azure.functions`` alone (the floor every Python app pays) and a
whole first queue-free request path (the portal API built, one ``GET /api/v1/health``). Goal:
``function_app`` under 500 ms. Median and max of several runs.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 7
GOAL_MS = 500.0

_TIMED = """
import time
t = time.perf_counter()
{body}
print((time.perf_counter() - t) * 1000)
"""
BASELINE = "import azure.functions"
APP = "import function_app\nfunction_app.app.get_functions()"
FIRST_REQUEST = """
import function_app
import azure.functions as func
functions = {f.get_function_name(): f for f in function_app.app.get_functions()}
health = functions["health"].get_user_function()
response = health(func.HttpRequest("GET", "http://localhost/api/v1/health", body=b""))
assert response.status_code == 200, response.status_code
"""


def measure(body: str, env: dict[str, str]) -> list[float]:
    times = []
    for _ in range(RUNS):
        out = subprocess.run(
            [sys.executable, "-c", _TIMED.format(body=body)],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return times


def main() -> int:
    with tempfile.TemporaryDirectory() as data:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "CITYZEN_DATA_DIR": data,
            "CITYZEN_QUEUE_URL": f"sqlite:///{data}/queue.db",
            "CITYZEN_STORE_URL": f"sqlite:///{data}/state.db",
            "CITYZEN_BLOB_URL": f"file://{data}/blobs",
        }
        rows = [
            ("import azure.functions (floor)", measure(BASELINE, env)),
            ("import + index function_app", measure(APP, env)),
            ("... + first GET /api/v1/health", measure(FIRST_REQUEST, env)),
        ]
    floor = statistics.median(rows[0][1])
    print(f"cold start, fresh interpreter, {RUNS} runs each (ms)")
    print(f"{'':34} {'median':>8} {'max':>8} {'x floor':>8}")
    for name, times in rows:
        median = statistics.median(times)
        print(f"{name:34} {median:8.0f} {max(times):8.0f} {median / floor:8.2f}")
    app_median = statistics.median(rows[1][1])
    verdict = "met" if app_median < GOAL_MS else "MISSED"
    print(f"goal: function_app < {GOAL_MS:.0f} ms -> {verdict} ({app_median:.0f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
