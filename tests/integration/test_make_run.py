"""`make run` for real, twice on one new database: the second start answers /healthz without
migrating or seeding again, and its framed block of links, printed last, is on its own port.

No timing is asserted here; bench/dev_start.py measures how long the second start takes."""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import time
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

from chairops.devserver import RULE

ROOT = Path(__file__).resolve().parents[2]
GIVE_UP_S = 180  # only so that a start that hangs fails the test instead of blocking it


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(port: int) -> bool:
    try:
        with urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status == 200
    except (URLError, OSError):
        return False


def make_run(database_url: str) -> tuple[int, str]:
    """Start `make run` on a free port, wait until it answers, stop it as Ctrl+C would."""
    port = _free_port()
    env = os.environ | {"DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1"}
    for name in ("PUBLIC_BASE_URL", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"):  # not the caller's
        env.pop(name, None)
    process = subprocess.Popen(
        ["make", "--no-print-directory", "run", "HOST=127.0.0.1", f"PORT={port}"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    started = time.monotonic()
    try:
        while not _answers(port):
            assert process.poll() is None, process.communicate()[0]
            assert time.monotonic() - started < GIVE_UP_S, "make run never answered"
            time.sleep(0.1)
    finally:
        os.killpg(process.pid, signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    return port, output


def test_a_second_make_run_starts_without_seeding_and_prints_its_port_last(tmp_path):
    url = f"sqlite:///{tmp_path / 'run.sqlite3'}"
    first_port, first = make_run(url)
    assert "Database migrated. Loaded the demo data." in first
    assert f"http://127.0.0.1:{first_port}/login" in first

    # Give the clock's first round of the second start something to say: a demo event whose day
    # is long past, to be completed.
    with sqlite3.connect(tmp_path / "run.sqlite3") as conn:
        conn.execute(
            "UPDATE events SET date = '2020-01-06' WHERE id ="
            " (SELECT MIN(id) FROM events WHERE status = 'published')"
        )

    port, second = make_run(url)
    assert "Database up to date. Demo data already loaded." in second
    assert "Running upgrade" not in second and "Loaded the demo" not in second
    lines = second.splitlines()
    start, end = lines.index(RULE), len(lines) - 1 - lines[::-1].index(RULE)
    block = "\n".join(lines[start : end + 1])
    assert f"running at http://127.0.0.1:{port}" in block
    assert re.findall(r"http://\S+", block) and all(
        link.startswith(f"http://127.0.0.1:{port}/") for link in re.findall(r"http://\S+/", block)
    )
    # The clock's first round is done before the frame, not printed into or after it.
    (completed,) = [n for n, line in enumerate(lines) if "INFO in clock: events:" in line]
    assert completed < start and "1 completed" in lines[completed]
    # Printed last: after the frame only the request log lines and the goodbye.
    after = [line for line in lines[end + 1 :] if line.strip()]
    assert all('"GET /healthz' in line or line == "Stopped." for line in after), after
