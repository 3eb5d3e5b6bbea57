"""Claim rush: how chairops behaves when a whole office grabs massage slots at once.

Measures, in one run against a fresh PostgreSQL database (created here, dropped at the end),
ROUNDS interleaved rounds (app, bare baseline, fair baseline, app, ...) of three servers, each
served by gunicorn with the same worker settings and each rushing its own fresh event:

* the real app (gunicorn wsgi:app, rate limiting disabled: we measure claiming, not the
  limiter) under 1000 simulated employees, 50 at a time, racing for the 192 slots of one
  published event (8 chairs x 24 starts);
* bench/baseline_app.py, the bare floor: bare WSGI and one INSERT ... SELECT per claim, no
  texts, no waitlist step, no chair balancing, no held slots, no phone validation;
* bench/fair_baseline_app.py, the fair floor: bare WSGI doing the app's own SQL work (the same
  one-statement claim with its three texts, waitlist step, chair balancing and held slots, the
  same one-statement availability read outside a transaction, the nearest free times of a
  refused claim read the same way, phone validation), without Flask and the ORM. It must give
  the app's answers: before the first round same_answers() puts the same questions to both
  and stops the run at the first answer that differs.

Every simulated employee holds one http.client connection: GET availability, pick a free start
at random (seeded), POST a claim; on 409 slot-taken re-fetch and try again; give up when
nothing is free. Before each rush the server is warmed up by 40 claims on an event of its own,
and planner statistics are refreshed (ANALYZE). Afterwards the database is checked for
bookings == slots and for double bookings, and the CPU time that gunicorn, the PostgreSQL
backends and this client spent during each rush is read from /proc. The headline figures are
medians over the rounds, with ranges; every round's figures follow. They go to
bench/results/claim_rush.json and stdout.

Exit status 1 when a correctness target fails (double bookings, server errors, bookings !=
slots); the performance targets are reported under "targets" without failing the run.
Run from the repository root: `.venv/bin/python bench/claim_rush.py` (or `make bench`).
For investigation: BENCH_ROUNDS (default 9), BENCH_WORKER_CLASS, BENCH_WORKERS, BENCH_THREADS
change the gunicorn settings of all servers; BENCH_ANALYZE=0 skips the ANALYZE.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import json
import os
import platform
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

import gunicorn
import psycopg
from pgtools import fresh_database

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results" / "claim_rush.json"
PEOPLE = 1000
CONCURRENCY = 50
SEED = 20261121
MAX_ERRORS_PER_PERSON = 3
WARMUP_PEOPLE = 40  # claim on a separate event first, so every worker has run both paths
TIMEZONE = "America/New_York"
EVENT = {
    "location": "1 Bench Street",
    "timezone": TIMEZONE,
    "start_time": "10:00",
    "end_time": "16:00",
    "chairs": 8,
    "slot_minutes": 15,
    "buffer_minutes": 0,
}
GUNICORN = {
    "worker_class": os.environ.get("BENCH_WORKER_CLASS", "sync"),
    "workers": int(os.environ.get("BENCH_WORKERS", "4")),
    "threads": int(os.environ.get("BENCH_THREADS", "1")),
}
USES = ("warm-up", "claim rush")  # each server gets a warm-up event and a rush event per round
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "9"))
SERVERS = {  # name: gunicorn target
    "app": ["wsgi:app"],
    "baseline": ["--pythonpath=bench", "baseline_app:app"],
    "fair_baseline": ["--pythonpath=bench", "fair_baseline_app:app"],
}
ANALYZE = os.environ.get("BENCH_ANALYZE", "1") != "0"
ACTIVE = "('booked', 'checked_in', 'in_service', 'completed')"
NOTES = (
    "Headline figures are medians over the rounds (ranges under 'ranges'). throughput_rps = "
    "claim POSTs (attempts, 409 retries included) / wall time of the rush, from the first "
    "simulated employee's start to the last one's end; requests_rps counts GETs and POSTs "
    "alike; bookings_per_s = 201s / wall time; time_to_full_s = from the start of the rush to "
    "the last 201. ratio = throughput_rps / baseline_rps (the bare floor), per round; "
    "fair_ratio = throughput_rps / fair_baseline_rps (the same SQL work without Flask and the "
    "ORM). p50/p99 are client-side latencies, queueing included, of claim POSTs (and, as "
    "availability_*, of GETs). Rate limiting disabled (RATELIMIT_ENABLED=false). Client, "
    "gunicorn and PostgreSQL share this machine; cpu.* is CPU time each spent during the rush "
    "and cpu.client_share the client's part of it; load_1m_before shows other load."
)


class Event(NamedTuple):
    id: int
    share_token: str
    slots: int


@dataclass
class Rush:
    """What one rush produced: per-request records and its wall time."""

    wall_s: float = 0.0
    claims: list[tuple[int, float]] = field(default_factory=list)  # (status, ms)
    booked_at: list[float] = field(default_factory=list)  # seconds from the start of the rush
    gets: list[tuple[int, float]] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=dict)
    cpu_s: dict[str, float] = field(default_factory=dict)
    load_1m: float = 0.0
    began: float = field(default_factory=time.perf_counter)


# --- database ---------------------------------------------------------------------------


def analyze(url: str) -> None:
    """Refresh planner statistics once the events exist, as autovacuum would in a running
    system; a never-analyzed schema makes PostgreSQL guess 2 slots per event."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")


def db_counts(url: str, event_id: int) -> dict:
    """Active bookings, slots and slots holding more than one active booking, for one event."""
    queries = {
        "bookings": f"SELECT count(*) FROM bookings WHERE event_id = %s AND status IN {ACTIVE}",
        "slots": "SELECT count(*) FROM slots WHERE event_id = %s",
        "double_bookings": (
            "SELECT count(*) FROM (SELECT slot_id FROM bookings WHERE event_id = %s"
            f" AND status IN {ACTIVE} GROUP BY slot_id HAVING count(*) > 1) AS d"
        ),
        "people_booked_twice": (
            "SELECT count(*) FROM (SELECT phone FROM bookings WHERE event_id = %s"
            f" AND status IN {ACTIVE} GROUP BY phone HAVING count(*) > 1) AS d"
        ),
    }
    with psycopg.connect(url) as conn:
        return {k: conn.execute(q, (event_id,)).fetchone()[0] for k, q in queries.items()}


# --- app set-up ---------------------------------------------------------------------------


def app_env(url: str, port: int) -> dict:
    return os.environ | {
        "DATABASE_URL": url,
        "RATELIMIT_ENABLED": "false",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "SECRET_KEY": secrets.token_hex(16),
        "SMS_BACKEND": "console",
        "DEV_SCHEDULER": "0",
    }


def flask_cli(env: dict, *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args[:2])} failed:\n{done.stderr[-2000:]}")
    return done.stdout


def migrate_and_create_staff(env: dict) -> str:
    """Migrate the database; create a coordinator (and its company); return the API token."""
    flask_cli(env, "db", "upgrade")
    out = flask_cli(
        env,
        "create-user",
        "--email=bench@chairops.test",
        "--role=coordinator",
        "--company=Bench Corp",
        f"--password={secrets.token_urlsafe(12)}",
        "--api-token",
    )
    match = re.search(r"API token \(shown once\): (\S+)", out)
    if not match:
        raise RuntimeError(f"no API token in create-user output:\n{out}")
    return match.group(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_args(port: int) -> list[str]:
    return [
        f"--bind=127.0.0.1:{port}",
        f"--worker-class={GUNICORN['worker_class']}",
        f"--workers={GUNICORN['workers']}",
        f"--threads={GUNICORN['threads']}",
        "--log-level=warning",
        "--timeout=60",
    ]


@contextmanager
def serve(target: list[str], env: dict, port: int):
    """Run gunicorn on the port until /healthz answers; stop its whole process group after."""
    cmd = [str(BIN / "gunicorn"), *gunicorn_args(port), *target]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
    try:
        wait_healthy(port, proc)
        yield proc.pid  # also the process group id of master and workers
    finally:
        stop(proc)


def wait_healthy(port: int, proc: subprocess.Popen, limit_s: float = 30.0) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        probe = Client(port)
        status = probe.request("GET", "/healthz")[0]
        probe.close()
        if status == 200:
            return
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn on port {port} not healthy after {limit_s:.0f}s")


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM gunicorn's process group (master and its workers), SIGKILL if it lingers."""
    for sig, wait_s in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait_s)
            return
        except subprocess.TimeoutExpired:
            continue


# --- CPU accounting (Linux /proc): who burns the two cores during a rush -------------------

TICK_S = 1 / os.sysconf("SC_CLK_TCK")


def proc_fields(pid: int | str) -> list[str]:
    """/proc/PID/stat after the command name (field 3 onwards); empty if the process is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return []


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU time of each live process."""
    times = {pid: proc_fields(pid) for pid in pids}
    return {pid: (int(f[11]) + int(f[12])) * TICK_S for pid, f in times.items() if f}


def group_pids(pgid: int) -> list[int]:
    """gunicorn's master and workers: every process of its process group."""
    pids = [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]
    return [pid for pid in pids if (f := proc_fields(pid)) and int(f[2]) == pgid]


def backend_pids(url: str) -> list[int]:
    """The PostgreSQL backends serving the benchmark database (ours excluded)."""
    sql = (
        "SELECT pid FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    with psycopg.connect(url, autocommit=True) as conn:
        return [pid for (pid,) in conn.execute(sql)]


def cpu_snapshot(url: str, pgid: int) -> dict[str, dict[int, float]]:
    """CPU seconds so far by party and process; the client is this whole process."""
    return {
        "gunicorn": cpu_seconds(group_pids(pgid)),
        "postgres": cpu_seconds(backend_pids(url)),
        "client": {0: time.process_time()},
    }


def cpu_spent(before: dict, after: dict) -> dict[str, float]:
    """CPU seconds per party between two snapshots; processes born meanwhile count whole."""
    return {
        party: sum(now - before[party].get(pid, 0.0) for pid, now in pids.items())
        for party, pids in after.items()
    }


# --- HTTP ---------------------------------------------------------------------------------


class Client:
    """One persistent HTTP/1.1 connection; reconnects when the server closes it."""

    def __init__(self, port: int, token: str | None = None):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Content-Type": "application/json"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def request(self, method: str, path: str, body: dict | None = None):
        """(status, parsed JSON or None, milliseconds); status 0 on a connection error."""
        data = json.dumps(body).encode() if body is not None else None
        began = time.perf_counter()
        try:
            self.conn.request(method, path, body=data, headers=self.headers)
            response = self.conn.getresponse()
            raw = response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            self.conn.close()
            return 0, None, (time.perf_counter() - began) * 1000
        ms = (time.perf_counter() - began) * 1000
        try:
            return status, json.loads(raw), ms
        except ValueError:
            return status, None, ms

    def close(self) -> None:
        self.conn.close()


def create_published_event(port: int, token: str, title: str, chairs: int = 0) -> Event:
    """Create and publish an event through the JSON API (EVENT's chairs, or `chairs`)."""
    client = Client(port, token)
    tomorrow = dt.datetime.now(ZoneInfo(TIMEZONE)).date() + dt.timedelta(days=1)
    body = EVENT | {"title": title, "date": tomorrow.isoformat()}
    if chairs:
        body["chairs"] = chairs
    status, answer, _ = client.request("POST", "/api/v1/events", body)
    if status != 201:
        raise RuntimeError(f"create event: {status} {answer}")
    event = answer["event"]
    status, answer, _ = client.request("POST", f"/api/v1/events/{event['id']}/publish", {})
    if status != 200:
        raise RuntimeError(f"publish event: {status} {answer}")
    client.close()
    return Event(event["id"], event["share_token"], event["slots"])


# --- like with like ---------------------------------------------------------------------


def same_answers(ports: dict[str, int], token: str) -> None:
    """The fair baseline must answer as the app does, or fair_ratio compares unlike work: on one
    event of one chair, each server's availability, a booking (its token aside), a refused
    claim (slot-taken, with its nearest free times), a second booking by the same number, and
    an unknown link."""
    event = create_published_event(ports["app"], token, "same answers", chairs=1)
    path = f"/api/v1/public/events/{event.share_token}"
    servers = {name: Client(ports[name]) for name in ("app", "fair_baseline")}
    answers: dict[str, list] = {name: [] for name in servers}

    def ask(name, method, url, body=None):
        status, answer, _ = servers[name].request(method, url, body)
        if isinstance(answer, dict) and "booking" in answer:  # a new token, in each URL too
            secret = answer["booking"]["token"]
            answer = json.loads(json.dumps(answer).replace(secret, "<token>"))
        answers[name].append((method, status, answer))
        return answer

    starts = [t["start"] for t in ask("app", "GET", path)["times"]]
    ask("fair_baseline", "GET", path)
    for index, (name, start) in enumerate(zip(servers, starts, strict=False)):
        phone = f"+1202555{9900 + index:04d}"  # each server books its own start, then...
        ask(name, "POST", f"{path}/bookings", {"name": "Same Answer", "phone": phone,
                                               "sms_consent": True, "start": start})  # fmt: skip
    booked = {name: answers[name][-1][2]["booking"]["start"] for name in servers}
    for name in servers:
        answers[name][-1][2]["booking"]["start"] = "<start>"  # ...so start and end differ
        answers[name][-1][2]["booking"]["end"] = "<end>"
    for index, name in enumerate(servers):  # the app's booked start is taken for both
        person = {"name": "Late", "phone": f"+1202555{9910 + index:04d}", "sms_consent": True}
        ask(name, "POST", f"{path}/bookings", person | {"start": booked["app"]})
    for index, name in enumerate(servers):  # each number booked already, at a free start
        person = {"name": "Twice", "phone": f"+1202555{9900 + index:04d}", "sms_consent": True}
        ask(name, "POST", f"{path}/bookings", person | {"start": starts[-1]})
    for name in servers:
        ask(name, "GET", path)
        ask(name, "GET", "/api/v1/public/events/no-such-event")
        ask(name, "POST", "/api/v1/public/events/no-such-event/bookings", {"name": "Nobody"})
        servers[name].close()
    if answers["app"] != answers["fair_baseline"]:
        pairs = zip(answers["app"], answers["fair_baseline"], strict=True)
        diff = next((a, f) for a, f in pairs if a != f)
        raise RuntimeError(f"the fair baseline answers unlike the app:\n{diff[0]}\n{diff[1]}")


# --- the rush -----------------------------------------------------------------------------


def employee(port: int, share_token: str, index: int, rush: Rush) -> str:
    """One person: look, pick a free time, claim; retry on slot-taken; give up when full."""
    rng = random.Random(SEED * 100_003 + index)
    client = Client(port)
    path = f"/api/v1/public/events/{share_token}"
    person = {"name": f"Employee {index}", "phone": f"+1202555{index:04d}", "sms_consent": True}
    errors = 0
    try:
        while errors < MAX_ERRORS_PER_PERSON:
            status, body, ms = client.request("GET", path)
            rush.gets.append((status, ms))
            if status != 200:
                errors += 1
                continue
            free = [t["start"] for t in body["times"] if t["available"] > 0]
            if not free:
                return "gave_up"
            status, body, ms = client.request(
                "POST", f"{path}/bookings", person | {"start": rng.choice(free)}
            )
            rush.claims.append((status, ms))
            if status == 201:
                rush.booked_at.append(time.perf_counter() - rush.began)
                return "booked"
            if status == 409 and (body or {}).get("type") == "/problems/slot-taken":
                continue
            if status == 0 or status >= 500:
                errors += 1
                continue
            return f"refused_{status}"
        return "errors"
    finally:
        client.close()


def warm_up(port: int, share_token: str) -> Rush:
    """WARMUP_PEOPLE claims, one by one, on a warm-up event: a running server is warm."""
    rush = Rush()
    for index in range(9000, 9000 + WARMUP_PEOPLE):
        employee(port, share_token, index, rush)
    return rush


def run_rush(url: str, pgid: int, port: int, share_token: str) -> Rush:
    """PEOPLE employees through a pool of CONCURRENCY threads; list.append is thread-safe."""
    rush = Rush(load_1m=os.getloadavg()[0])
    cpu_before = cpu_snapshot(url, pgid)
    began = rush.began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        outcomes = list(pool.map(lambda i: employee(port, share_token, i, rush), range(PEOPLE)))
    rush.wall_s = time.perf_counter() - began
    rush.cpu_s = cpu_spent(cpu_before, cpu_snapshot(url, pgid))
    for outcome in outcomes:
        rush.outcomes[outcome] = rush.outcomes.get(outcome, 0) + 1
    return rush


# --- figures ------------------------------------------------------------------------------


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def server_errors(records: list[tuple[int, float]]) -> int:
    """Responses 5xx and connection errors (status 0)."""
    return sum(1 for status, _ in records if status == 0 or status >= 500)


def figures(rush: Rush) -> dict:
    """Throughput, latency and error counts of one rush."""
    claim_ms = [ms for _, ms in rush.claims]
    get_ms = [ms for _, ms in rush.gets]
    requests = rush.claims + rush.gets
    statuses: dict[str, int] = {}
    for status, _ in rush.claims:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    return {
        "attempts": len(rush.claims),
        "claim_statuses": statuses,
        "availability_gets": len(rush.gets),
        "server_errors": server_errors(requests),
        "wall_s": round(rush.wall_s, 3),
        "throughput_rps": round(len(rush.claims) / rush.wall_s, 1),
        "bookings_per_s": round(len(rush.booked_at) / rush.wall_s, 1),
        "time_to_full_s": round(max(rush.booked_at, default=0.0), 3),
        "requests_rps": round(len(requests) / rush.wall_s, 1),
        "p50_ms": round(percentile(claim_ms, 50), 1),
        "p99_ms": round(percentile(claim_ms, 99), 1),
        "mean_ms": round(statistics.fmean(claim_ms), 1) if claim_ms else 0.0,
        "availability_p50_ms": round(percentile(get_ms, 50), 1),
        "availability_p99_ms": round(percentile(get_ms, 99), 1),
        "outcomes": rush.outcomes,
        "cpu": cpu_figures(rush, len(requests)),
        "load_1m_before": round(rush.load_1m, 2),
    }


def cpu_figures(rush: Rush, requests: int) -> dict:
    """CPU seconds of gunicorn, PostgreSQL and the client over the rush, and per request."""
    spent = {f"{party}_s": round(cpu, 2) for party, cpu in rush.cpu_s.items()}
    total = sum(rush.cpu_s.values())
    spent["client_share"] = round(rush.cpu_s.get("client", 0.0) / total, 3) if total else 0.0
    per_request = {
        f"{party}_ms_per_request": round(cpu * 1000 / requests, 2)
        for party, cpu in rush.cpu_s.items()
    }
    return spent | per_request


def measure(url: str, pgid: int, port: int, events: tuple[Event, Event]) -> dict:
    """Warm the server at `port` (process group `pgid`) up on the first event, rush the second,
    then check the database."""
    warm, event = events
    warm_rush = warm_up(port, warm.share_token)
    warmed = warm_rush.claims + warm_rush.gets
    rush = run_rush(url, pgid, port, event.share_token)
    warmed_up = {"requests": len(warmed), "server_errors": server_errors(warmed)}
    return figures(rush) | db_counts(url, event.id) | {"warm_up": warmed_up}


HEADLINE = ("throughput_rps", "bookings_per_s", "time_to_full_s", "p50_ms", "p99_ms",
            "availability_p50_ms", "availability_p99_ms")  # fmt: skip


def median_and_range(values: list[float]) -> tuple[float, list[float]]:
    return round(statistics.median(values), 3), [round(min(values), 3), round(max(values), 3)]


def report(rounds: list[dict]) -> dict:
    """The result document: medians first (existing keys kept), ranges, then every round."""
    for one in rounds:
        app, base, fair = one["app"], one["baseline"], one["fair_baseline"]
        one["ratio"] = round(app["throughput_rps"] / base["throughput_rps"], 3)
        one["fair_ratio"] = round(app["throughput_rps"] / fair["throughput_rps"], 3)
    series = {
        "ratio": [r["ratio"] for r in rounds],
        "fair_ratio": [r["fair_ratio"] for r in rounds],
    }
    for server in SERVERS:
        prefix = "" if server == "app" else f"{server}_"
        for key in HEADLINE:
            series[f"{prefix}{key}"] = [r[server][key] for r in rounds]
    medians, ranges = {}, {}
    for key, values in series.items():
        medians[key], ranges[key] = median_and_range(values)
    every = [r[s] for r in rounds for s in SERVERS]
    result = {
        "attempts": statistics.median(r["app"]["attempts"] for r in rounds),
        "slots": rounds[0]["app"]["slots"],
        "bookings": min(r[s]["bookings"] for r in rounds for s in SERVERS),
        "double_bookings": sum(one["double_bookings"] for one in every),
        "server_errors": sum(one["server_errors"] for one in every),
        "p50_ms": medians["p50_ms"],
        "p99_ms": medians["p99_ms"],
        "throughput_rps": medians["throughput_rps"],
        "baseline_rps": medians["baseline_throughput_rps"],
        "ratio": medians["ratio"],
        "fair_baseline_rps": medians["fair_baseline_throughput_rps"],
        "fair_ratio": medians["fair_ratio"],
        "baseline_p50_ms": medians["baseline_p50_ms"],
        "baseline_p99_ms": medians["baseline_p99_ms"],
        "medians": medians,
        "ranges": ranges,
        "rounds": len(rounds),
        "order": "interleaved: " + ", ".join(SERVERS) + " in each round",
        "rate_limit": "disabled",
        "gunicorn": GUNICORN | {"version": gunicorn.__version__, "same_for_baseline": True},
        "machine": {"nproc": os.cpu_count(), "python": platform.python_version()},
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "load": {"people": PEOPLE, "concurrency": CONCURRENCY, "seed": SEED},
        "analyzed_before_rush": ANALYZE,
        "notes": NOTES,
    }
    result["targets"] = targets(result, rounds)
    return result | {"per_round": rounds}


def targets(result: dict, rounds: list[dict]) -> dict:
    every = [r[s] for r in rounds for s in SERVERS]
    return {
        "bookings_equal_slots": all(one["bookings"] == one["slots"] for one in every),
        "no_double_bookings": result["double_bookings"] == 0,
        "no_server_errors": result["server_errors"] == 0,
        "ratio_at_least_0_45": result["ratio"] >= 0.45,
        "fair_ratio_at_least_0_65": result["fair_ratio"] >= 0.65,
        "p99_at_most_150ms": result["p99_ms"] <= 150,
    }


def run() -> dict:
    with fresh_database("chairops_bench") as url:
        ports = {name: free_port() for name in SERVERS}
        env = app_env(url, ports["app"])
        token = migrate_and_create_staff(env)
        with contextlib.ExitStack() as stack:
            groups = {
                name: stack.enter_context(serve(target, env, ports[name]))
                for name, target in SERVERS.items()
            }
            same_answers(ports, token)
            rounds = []
            for n in range(ROUNDS):
                one = {}
                for name in SERVERS:  # interleaved: app, bare, fair, app, bare, fair, ...
                    events = tuple(
                        create_published_event(ports["app"], token, f"{name} {use} {n}")
                        for use in USES
                    )
                    if ANALYZE:
                        analyze(url)
                    one[name] = measure(url, groups[name], ports[name], events)
                    print(f"round {n + 1}/{ROUNDS} {name}: {one[name]['throughput_rps']} rps",
                          file=sys.stderr)  # fmt: skip
                rounds.append(one)
    return report(rounds)


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so cleanup runs on SIGTERM too
    result = run()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    checks = result["targets"]
    correct = ("bookings_equal_slots", "no_double_bookings", "no_server_errors")
    return 0 if all(checks[name] for name in correct) else 1


if __name__ == "__main__":
    sys.exit(main())
