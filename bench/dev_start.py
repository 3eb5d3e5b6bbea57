"""Start-up bench: how long `make run` takes to answer /healthz, on a fresh database and again.

Runs `make run HOST=127.0.0.1 PORT=<free port>` twice against a throwaway SQLite file (given
as DATABASE_URL, so instance/ is left alone): the first start migrates and seeds, the second
finds both done. Each is timed from starting make to the first 200 from /healthz, then stopped
(SIGINT to its process group, as Ctrl+C would). Checks that the second start printed links on
its own port and did not seed again. The baseline is what `make run` did before: three flask
commands in turn (db upgrade, seed-demo, run), on the same database, timed the same way.
Results go to bench/results/dev_start.json and stdout.
Run from the repository root: `.venv/bin/python bench/dev_start.py`.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "dev_start.json"
DEADLINE_S = 120  # a start slower than this is a failure, not a figure


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def healthy(port: int) -> bool:
    try:
        with urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
            return response.status == 200
    except (URLError, OSError):
        return False


def make_run(port: int) -> list[str]:
    return ["make", "--no-print-directory", "run", "HOST=127.0.0.1", f"PORT={port}"]


def three_commands(port: int) -> list[str]:
    flask = ".venv/bin/flask --app wsgi"
    serve = f"DEV_SCHEDULER=1 exec {flask} run --host 127.0.0.1 --port {port}"
    return ["sh", "-c", f"{flask} db upgrade && {flask} seed-demo && {serve}"]


def timed_start(database_url: str, command=make_run) -> dict:
    """Start the server, wait for /healthz, stop it; the seconds it took and what it printed."""
    port = free_port()
    env = os.environ | {"DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1"}
    for name in ("PUBLIC_BASE_URL", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"):  # not the caller's
        env.pop(name, None)
    started = time.perf_counter()
    process = subprocess.Popen(
        command(port),
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        while not healthy(port):
            if process.poll() is not None or time.perf_counter() - started > DEADLINE_S:
                raise RuntimeError(f"{command.__name__} did not answer on port {port}")
            time.sleep(0.05)
        seconds = time.perf_counter() - started
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    return {"port": port, "seconds": round(seconds, 2), "output": output}


def main() -> int:
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.sqlite3"
        first = timed_start(url)
        second = timed_start(url)
        baseline = timed_start(url, three_commands)
        again = timed_start(url)
    links_follow_port = f"http://127.0.0.1:{second['port']}/login" in second["output"]
    reseeded = "Loaded the demo data" in second["output"]
    result = {
        "first_start_s": first["seconds"],
        "second_start_s": second["seconds"],
        "second_start_again_s": again["seconds"],
        "baseline_three_commands_s": baseline["seconds"],
        "target_second_start_s": 10,
        "links_follow_port": links_follow_port,
        "second_start_seeded_again": reseeded,
        "load_1m_before": round(load_before, 2),
        "cores": os.cpu_count(),
        "notes": "seconds from starting `make run` (its .venv already installed) to the first "
        "200 from /healthz; the first start migrates a new SQLite database and loads the demo "
        "data, the second (and the one after the baseline) finds both done. baseline = the three "
        "flask commands the old `make run` ran in turn (db upgrade, seed-demo, run), each "
        "importing the app, on the same database. Other developers share this machine.",
        "second_start_output": second["output"].splitlines()[-16:],
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "second_start_output"}, indent=2))
    ok = links_follow_port and not reseeded and max(second["seconds"], again["seconds"]) <= 10
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
