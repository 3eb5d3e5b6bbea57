"""Scale bench: does a company with years of history cost more per request than a new one?

One company's history is built at three sizes, each on its own fresh PostgreSQL database
(created here, migrated with Alembic, dropped WITH (FORCE) at the end, also on failure), by bulk
COPY (bench/scale_history.py): S = 10 events, M = 100, L = 1,000 (the same three upcoming
events plus weekday events going back about four years: ~80,000 bookings and ~236,000 texts at
L), then VACUUM ANALYZE as autovacuum would. Every staff page, API endpoint and clock job below
then runs in-process (Flask test client, or the clock job's own function) on S, M and L in
turn, N times each, so the load of this shared machine falls on every size alike: median and
p95 wall time, this process's CPU time, and SQL statements per run counted with an SQLAlchemy
`before_cursor_execute` listener.

Acceptance (issue 14): at L every page, endpoint and job has a median within 1.5x its S
figure, or under 25 ms, and the same statement count as at S. Results go to
bench/results/scale.json and a table on stdout. Run from the repository root:
`.venv/bin/python bench/scale.py [--requests N]` (or `make bench`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
from flask_migrate import upgrade
from pgtools import fresh_database
from scale_history import TZ, EventPlan, History, phone
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine

from chairops import create_app
from chairops.accounts.service import create_user, issue_api_token
from chairops.clock import purge_screens, waitlist_tick
from chairops.coordinator.service import PAST_PAGE_SIZE
from chairops.extensions import db, dispose_engines
from chairops.messaging.dispatch import dispatch_once, reconcile_once
from chairops.models import Company, utcnow

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "scale.json"
SIZES = (("S", 10), ("M", 100), ("L", 1000))
UPCOMING = ((1, 96, 5), (7, 48, 0), (14, 10, 0))  # (days ahead, booked, waiting)
WAITING_EVERY = 10  # one past event in ten keeps a place nobody closed on its waitlist
PASSWORD = "bench-password-1"
MAX_RATIO, FAST_MS = 1.5, 25.0
DUE_PER_DISPATCH = 5

STATEMENTS = [0]


@sa_event.listens_for(Engine, "before_cursor_execute")
def _count(*_args) -> None:
    STATEMENTS[0] += 1


@dataclass
class Case:
    """One thing to measure: a request (or job run) and what it must answer."""

    name: str
    kind: str  # page, api or job
    run: Callable[[], object]
    expect: int | None = 200
    before: Callable[[], None] | None = None
    after: Callable[[], None] | None = None


@dataclass
class World:
    """The app, its users, the upcoming events and a raw connection for set-up."""

    app: object
    conn: psycopg.Connection
    company_id: int
    tokens: dict
    clients: dict
    upcoming: list[int]
    share_tokens: list[str]
    history: History
    booking_id: int = 0


def past_days(today: dt.date, count: int) -> list[dt.date]:
    """The `count` weekdays before `today`, newest first."""
    days, day = [], today
    while len(days) < count:
        day -= dt.timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    return days


def set_up(app, conn) -> World:
    """Company, staff with API tokens and signed-in clients, and the three upcoming events."""
    with app.app_context():
        company = Company(name="Initech", timezone=TZ, country="US")
        db.session.add(company)
        users, tokens = {}, {}
        for role in ("admin", "coordinator", "therapist"):
            users[role] = create_user(
                db.session, f"{role}@bench.example", PASSWORD, role,
                company=company if role == "coordinator" else None,
            )  # fmt: skip
            tokens[role] = issue_api_token(db.session, users[role])
        db.session.commit()
        ids = {role: user.id for role, user in users.items()}
        company_id = company.id
    clients = {}
    for role in ids:
        clients[role] = app.test_client()
        login = {"email": f"{role}@bench.example", "password": PASSWORD}
        answer = clients[role].post("/login", data=login)
        assert answer.status_code == 302, f"{role} could not sign in"
    today = utcnow().astimezone(ZoneInfo(TZ)).date()
    history = History(conn, company_id, ids["therapist"], utcnow())
    plans = [EventPlan(today + dt.timedelta(days=d), n, False, w) for d, n, w in UPCOMING]
    history.add(plans)
    rows = conn.execute("SELECT id, share_token FROM events ORDER BY date").fetchall()
    ids, shares = zip(*rows, strict=True)
    world = World(app, conn, company_id, tokens, clients, list(ids), list(shares), history)
    world.booking_id = conn.execute(
        "SELECT min(id) FROM bookings WHERE event_id = %s", (world.upcoming[0],)
    ).fetchone()[0]
    return world


def grow(world: World, past: list[dt.date]) -> dict:
    """Add these past events, then refresh the planner's statistics as autovacuum would."""
    plans = [
        EventPlan(day, 80, True, 1 if i % WAITING_EVERY == 0 else 0) for i, day in enumerate(past)
    ]
    began = time.perf_counter()
    world.history.add(plans)
    world.conn.execute("VACUUM ANALYZE")
    built = time.perf_counter() - began
    tables = ("events", "bookings", "messages", "screens", "waitlist_entries")
    counts = {t: world.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    return counts | {"build_s": round(built, 1)}


def bearer(world: World, role: str) -> dict:
    return {"Authorization": f"Bearer {world.tokens[role]}"}


def cases(world: World, past_pages: int) -> list[Case]:
    """Every staff page, API endpoint and clock job of issue 14, on the same upcoming events."""
    api = world.app.test_client()
    full, half, _ = world.upcoming
    full_token, half_token, few_token = world.share_tokens
    etag = {}

    def queue(conditional: bool):
        headers = bearer(world, "therapist")
        if conditional:  # the tag is fetched once, not inside every timed request
            if "tag" not in etag:
                etag["tag"] = _etag(api, full, headers)
            headers["If-None-Match"] = etag["tag"]
        return api.get(f"/api/v1/events/{full}/chairs/1/queue", headers=headers)

    joins = iter(range(5000, 10_000))
    claims = iter(range(2000, 5000))

    def join():
        body = {"name": "New Person", "phone": phone(next(joins)), "sms_consent": True}
        return api.post(f"/api/v1/public/events/{full_token}/waitlist", json=body)

    def free_start():
        times = api.get(f"/api/v1/public/events/{few_token}").get_json()["times"]
        etag["start"] = next(t["start"] for t in times if t["available"])

    def claim():
        body = {"name": "New Person", "phone": phone(next(claims)), "start": etag["start"],
                "sms_consent": True}  # fmt: skip
        return api.post(f"/api/v1/public/events/{few_token}/bookings", json=body)

    staff, coordinator_api = world.clients, bearer(world, "coordinator")
    page = {role: (lambda url, c=client: partial(c.get, url)) for role, client in staff.items()}
    return [
        Case("dashboard (coordinator)", "page", page["coordinator"]("/staff")),
        Case("dashboard (admin)", "page", page["admin"]("/staff")),
        Case("all past events, page 1", "page", page["coordinator"]("/staff?past=all")),
        Case("all past events, last page", "page",
             page["coordinator"](f"/staff?past=all&page={past_pages}")),
        Case("event page with roster", "page", page["coordinator"](f"/staff/events/{full}")),
        Case("roster CSV", "page", page["coordinator"](f"/staff/events/{full}/roster.csv")),
        Case("outbox (admin)", "page", page["admin"]("/staff/outbox")),
        Case("outbox, one event (admin)", "page", page["admin"](f"/staff/outbox?event_id={full}")),
        Case("outbox, one kind (admin)", "page",
             page["admin"]("/staff/outbox?kind=waitlist_offer")),
        Case("tablet home (therapist)", "page", page["therapist"]("/tablet/")),
        Case("tablet chair (therapist)", "page",
             page["therapist"](f"/tablet/events/{full}/chairs/1")),
        Case("sign-up page (phone)", "page", partial(api.get, f"/e/{half_token}")),
        Case("API roster", "api",
             partial(api.get, f"/api/v1/events/{full}/roster", headers=coordinator_api)),
        Case("API messages of a booking", "api",
             partial(api.get, f"/api/v1/messages?booking_id={world.booking_id}",
                     headers=bearer(world, "admin"))),
        Case("API public event", "api", partial(api.get, f"/api/v1/public/events/{half_token}")),
        Case("API queue", "api", partial(queue, False)),
        Case("API queue, not modified", "api", partial(queue, True), expect=304),
        Case("API join waitlist", "api", join, expect=201, after=partial(_forget, world, 5000)),
        Case("API claim", "api", claim, expect=201, before=free_start,
             after=partial(_forget, world, 2000)),
        Case("job dispatch", "job", partial(dispatch_once, world.app), expect=None,
             before=partial(_due_texts, world)),
        Case("job reconcile", "job", partial(reconcile_once, world.app), expect=None),
        Case("job waitlist tick", "job", partial(waitlist_tick, world.app), expect=None),
        Case("job purge-screens", "job", partial(purge_screens, world.app), expect=None),
    ]  # fmt: skip


def _etag(client, event_id: int, headers: dict) -> str:
    return client.get(f"/api/v1/events/{event_id}/chairs/1/queue", headers=headers).headers["ETag"]


def _forget(world: World, first: int) -> None:
    """Undo the bench's own joins and claims, so every size measures the same state."""
    numbers = [phone(n) for n in range(first, first + 3000)]
    with world.conn.transaction():
        world.conn.execute('DELETE FROM messages WHERE "to" = ANY(%s)', (numbers,))
        world.conn.execute("DELETE FROM waitlist_entries WHERE phone = ANY(%s)", (numbers,))
        world.conn.execute("DELETE FROM bookings WHERE phone = ANY(%s)", (numbers,))


def _due_texts(world: World) -> None:
    """A few texts due now, so each dispatch run claims, sends and records something."""
    now = utcnow()
    with world.conn.transaction():
        for _ in range(DUE_PER_DISPATCH):
            world.conn.execute(
                'INSERT INTO messages (event_id, "to", kind, body, send_at, status, attempts, '
                "idempotency_key, created_at, updated_at) VALUES (%s, %s, 'reminder', 'Bench', "
                "%s, 'pending', 0, md5(random()::text), %s, %s)",
                (world.upcoming[0], phone(9999), now, now, now),
            )


def _once(case: Case) -> tuple[float, float, int]:
    """One run of a case: (wall ms, this process's CPU ms, SQL statements)."""
    if case.before:
        case.before()
    STATEMENTS[0] = 0
    wall, cpu = time.perf_counter(), time.process_time()
    answer = case.run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    status = getattr(answer, "status_code", None)
    if case.expect is not None and status != case.expect:
        raise SystemExit(f"{case.name}: HTTP {status}, expected {case.expect}")
    return wall * 1000, cpu * 1000, STATEMENTS[0]


def measure(by_size: dict[str, Case], requests: int) -> dict[str, dict]:
    """Run one case on every size in turn, so the load of this shared machine falls on all alike.

    Who goes first rotates each round; the first two rounds warm up and are not counted.
    """
    samples: dict[str, list[tuple]] = {size: [] for size in by_size}
    sizes = list(by_size)
    for n in range(requests + 2):
        for size in sizes[n % len(sizes) :] + sizes[: n % len(sizes)]:
            figures = _once(by_size[size])
            if n >= 2:
                samples[size].append(figures)
    for case in by_size.values():
        if case.after:
            case.after()
    return {size: _summary(runs) for size, runs in samples.items()}


def _summary(runs: list[tuple]) -> dict:
    walls = sorted(w for w, _, _ in runs)
    counts = [c for _, _, c in runs]
    return {
        "median_ms": round(statistics.median(walls), 1),
        "p95_ms": round(walls[min(len(walls) - 1, int(len(walls) * 0.95))], 1),
        "cpu_ms": round(statistics.median(c for _, c, _ in runs), 1),
        "statements": statistics.median_low(counts),
        "statements_max": max(counts),
    }


def verdicts(results: dict) -> dict:
    """Per case: whether L keeps to S's statement count and to 1.5x its median (or 25 ms)."""
    out = {}
    for name, by_size in results.items():
        small, large = by_size["S"], by_size["L"]
        same = large["statements"] == small["statements"]
        timing = large["median_ms"] <= max(MAX_RATIO * small["median_ms"], FAST_MS)
        out[name] = {"statements_flat": same, "latency_ok": timing, "ok": same and timing}
    return out


def table(results: dict, checks: dict) -> str:
    head = f"{'':30}" + "".join(f"{s:>22}" for s, _ in SIZES) + "   ok"
    sub = f"{'':30}" + "   med ms  p95 ms  sql" * len(SIZES)
    lines = [head, sub]
    for name, by_size in results.items():
        cells = "".join(
            f"{r['median_ms']:>9.1f}{r['p95_ms']:>8.1f}{r['statements']:>5}"
            for r in (by_size[s] for s, _ in SIZES)
        )
        lines.append(f"{name[:30]:30}{cells}   {'yes' if checks[name]['ok'] else 'NO'}")
    return "\n".join(lines)


def make_app(url: str):
    """The app on one size's database, migrated; texts go to the console sender, unthrottled."""
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://"),
        "SECRET_KEY": "bench-secret", "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False,
        "PUBLIC_BASE_URL": "https://bench.example", "SMS_BACKEND": "console",
        "SMS_RATE_PER_SECOND": 0,
    })  # fmt: skip
    with app.app_context():
        upgrade()
    return app


def run(urls: dict[str, str], requests: int, stack: ExitStack) -> dict:
    """Build each size on its own database, then measure every case on all sizes in turn."""
    today = utcnow().astimezone(ZoneInfo(TZ)).date()
    past = past_days(today, SIZES[-1][1] - len(UPCOMING))
    worlds, sizes = {}, {}
    for size, events in SIZES:
        app = make_app(urls[size])
        conn = stack.enter_context(psycopg.connect(urls[size], autocommit=True))
        stack.callback(_dispose, app)
        worlds[size] = set_up(app, conn)
        sizes[size] = grow(worlds[size], past[: events - len(UPCOMING)])
        print(f"{size}: {sizes[size]}", flush=True)
    # Write the builds' dirty pages out now, not in the middle of the measurements.
    worlds["L"].conn.execute("CHECKPOINT")
    by_size = {
        size: cases(world, -(-(events - len(UPCOMING)) // PAST_PAGE_SIZE))
        for (size, events), world in zip(SIZES, worlds.values(), strict=True)
    }
    results = {}
    for index, case in enumerate(by_size["S"]):
        results[case.name] = measure({s: c[index] for s, c in by_size.items()}, requests)
    return {"sizes": sizes, "results": results}


def _dispose(app) -> None:
    with app.app_context():
        dispose_engines()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30, help="timed runs per case and size")
    args = parser.parse_args()
    logging.disable(logging.INFO)  # the console sender logs every text it "sends"
    began = time.perf_counter()
    with ExitStack() as stack:
        urls = {
            s: stack.enter_context(fresh_database(f"chairops_scale_{s.lower()}")) for s, _ in SIZES
        }
        figures = run(urls, args.requests, stack)
    checks = verdicts(figures["results"])
    report = {
        "when": utcnow().isoformat(timespec="seconds"),
        "machine": f"{platform.node()} ({platform.machine()}, {os.cpu_count()} CPUs)",
        "requests_per_case": args.requests,
        "wall_s": round(time.perf_counter() - began, 1),
        **figures,
        "checks": checks,
        "failing": [name for name, c in checks.items() if not c["ok"]],
        "notes": (
            "median/p95 in ms of wall time over the timed runs, cpu_ms = this process's CPU "
            "(median), after two warm-up rounds; sizes take turns run by run. statements = SQL "
            "statements per run (median; statements_max the most seen). Upcoming events are "
            "the same at every size, only the past grows. Past events stay 'published' with "
            "one leftover waiting place in ten, as the app leaves them today. Each dispatch run "
            f"sends {DUE_PER_DISPATCH} due texts; the bench's own joins and claims are deleted "
            "after each case. In-process, PostgreSQL on the same shared 2-core machine."
        ),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(table(figures["results"], checks))
    print(f"failing: {', '.join(report['failing']) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
