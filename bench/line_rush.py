"""Line rush: a walk-up line at a convention, from the rush at the door to the last massage.

In one run against a fresh PostgreSQL database (migrated with `flask db upgrade`, dropped at the
end), through chairops' own services with the app's real session, outbox and texts:

* 500 people join a walk-up line within one simulated minute, the minute before it opens,
  16 at a time (threads, each with its own session and connection);
* then 8 chairs call the next person as they free up, on a simulated clock: each session lasts
  10 minutes give or take (seeded), plus 2 minutes to turn the chair over; a chair's next call is
  due at the first whole minute after it frees, and every chair due in the same minute presses
  "Call next" at once (the first minute all eight do), until the line is empty.

The simulated clock only decides who calls when and what `now` each service call gets; the
latencies are real wall-clock times of each service call and its commit (PostgreSQL round trips
included), client and database on this machine. Afterwards: everyone called exactly once,
minute by minute in join order (each minute's calls took exactly the next people in line, in
(joined_at, id) order as the database records it), one walk-in booking on one slot per call,
nobody left waiting. Figures go to bench/results/line_rush.json and stdout; exit status 1 when
a correctness check fails. Run from the repository root: `.venv/bin/python bench/line_rush.py`
(or `make bench`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import random
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
from pgtools import fresh_database

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results" / "line_rush.json"
PEOPLE = 500
CHAIRS = 8
JOIN_THREADS = 16
SEED = 20261130
TIMEZONE = "America/New_York"
DAY = dt.date(2031, 6, 3)
SESSION, TURNOVER = 10, 2  # minutes
EVENT = {
    "title": "Line rush", "location": "Convention centre", "timezone": TIMEZONE,
    "date": DAY.isoformat(), "start_time": "08:00", "end_time": "22:00", "chairs": CHAIRS,
    "slot_minutes": SESSION, "buffer_minutes": TURNOVER, "kind": "line",
}  # fmt: skip


def migrate(url: str) -> None:
    env = os.environ | {"DATABASE_URL": url, "SMS_BACKEND": "console", "DEV_SCHEDULER": "0"}
    subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT, env=env, check=True, capture_output=True, timeout=120,
    )  # fmt: skip


def make_app(url: str):
    from chairops import create_app

    sqlalchemy_url = url.replace("postgresql://", "postgresql+psycopg://")
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": sqlalchemy_url,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": JOIN_THREADS + 4, "max_overflow": 0},
            "RATELIMIT_ENABLED": False,
            "DEV_SCHEDULER": False,
        }
    )


def opening() -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time(8, 0), tzinfo=ZoneInfo(TIMEZONE)).astimezone(dt.UTC)


def create_line(app) -> int:
    from chairops.events.service import create_event, publish_event, validate_event
    from chairops.extensions import db
    from chairops.models import Company

    with app.app_context():
        company = Company(name="Bench Co", timezone=TIMEZONE, country="US")
        db.session.add(company)
        event = create_event(db.session, company, validate_event(EVENT))
        publish_event(db.session, event)
        db.session.commit()
        return event.id


def timed(app, work) -> tuple[object, float]:
    """Run work(session) in its own app context and commit; (result, milliseconds)."""
    from chairops.extensions import db

    with app.app_context():
        started = time.perf_counter()
        try:
            result = work(db.session)
            db.session.commit()
        except Exception as exc:  # noqa: BLE001 - a refused call is a figure, not a crash
            db.session.rollback()
            result = exc
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            db.session.remove()
    return result, elapsed


def rush(app, event_id: int) -> list[tuple[object, float]]:
    """Everyone joins in the minute before opening, JOIN_THREADS at a time."""
    from chairops.models import Event
    from chairops.walkup.rules import LineSettings
    from chairops.walkup.service import Joiner, join

    start = opening() - dt.timedelta(minutes=1)

    def one(n: int):
        at = start + dt.timedelta(seconds=60 * n / PEOPLE)

        def work(session):
            event = session.get(Event, event_id)
            joiner = Joiner(f"Person {n}", f"+1202555{n:04d}", True)
            entry, _ = join(session, event, joiner, at, LineSettings())
            return entry.id

        return timed(app, work)

    with ThreadPoolExecutor(max_workers=JOIN_THREADS) as pool:
        return list(pool.map(one, range(PEOPLE)))


def chairs_call(app, event_id: int, rng: random.Random) -> list[dict]:
    """Chairs call next as they free up, every chair due in one simulated minute at once."""
    from chairops.config import TextSettings
    from chairops.models import Chair
    from chairops.walkup.calls import LineEmpty, call_next
    from chairops.walkup.rules import LineSettings

    texts = TextSettings("https://chairops.example", "chairops")
    with app.app_context():
        from chairops.extensions import db

        chair_ids = [c.id for c in db.session.query(Chair).filter_by(event_id=event_id)]
    free = dict.fromkeys(chair_ids, opening())
    calls, minute = [], 0
    with ThreadPoolExecutor(max_workers=CHAIRS) as pool:
        while free:
            due_at = min(free.values())
            batch = [c for c, at in free.items() if at == due_at]

            def one(chair_id, now=due_at):
                def work(session):
                    chair = session.get(Chair, chair_id)
                    return call_next(session, chair, now, LineSettings(), texts).id

                return chair_id, *timed(app, work)

            for chair_id, outcome, ms in pool.map(one, batch):
                if isinstance(outcome, LineEmpty):
                    del free[chair_id]
                    continue
                if isinstance(outcome, Exception):
                    raise outcome
                calls.append({"minute": minute, "chair": chair_id, "entry": outcome, "ms": ms})
                turn = SESSION + rng.randint(-3, 4) + TURNOVER
                free[chair_id] = due_at + dt.timedelta(minutes=turn)
            minute += 1
    return calls


def check(url: str, joins, calls) -> dict:
    """The correctness figures: each person called once, minute by minute in join order."""
    with psycopg.connect(url) as conn:
        order = [
            r[0]
            for r in conn.execute("SELECT id FROM line_entries ORDER BY joined_at, id").fetchall()
        ]
        waiting = conn.execute(
            "SELECT count(*) FROM line_entries WHERE status <> 'called'"
        ).fetchone()[0]
        bookings, slots = conn.execute(
            "SELECT (SELECT count(*) FROM bookings WHERE walk_in), (SELECT count(*) FROM slots)"
        ).fetchone()
        texts = dict(conn.execute("SELECT kind, count(*) FROM messages GROUP BY kind").fetchall())
    rank = {entry_id: i for i, entry_id in enumerate(order)}
    times_called = Counter(c["entry"] for c in calls)
    in_order, done = True, 0
    for minute in sorted({c["minute"] for c in calls}):
        got = sorted(rank[c["entry"]] for c in calls if c["minute"] == minute)
        in_order &= got == list(range(done, done + len(got)))
        done += len(got)
    return {
        "joined": sum(1 for result, _ in joins if isinstance(result, int)),
        "join_errors": sum(1 for result, _ in joins if not isinstance(result, int)),
        "called": len(calls),
        "called_twice": sum(1 for n in times_called.values() if n > 1),
        "never_called": len(set(order) - set(times_called)),
        "served_in_join_order": in_order,
        "left_waiting": waiting,
        "bookings": bookings,
        "slots": slots,
        "texts": texts,
    }


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))], 1)


def latency(values: list[float]) -> dict:
    return {f"p{p}_ms": percentile(values, p) for p in (50, 95, 99)} | {
        "max_ms": round(max(values), 1)
    }


def main() -> int:
    rng = random.Random(SEED)
    load = os.getloadavg()[0]
    with fresh_database("chairops_line_rush") as url:
        migrate(url)
        app = make_app(url)
        event_id = create_line(app)
        started = time.perf_counter()
        joins = rush(app, event_id)
        join_wall = time.perf_counter() - started
        started = time.perf_counter()
        calls = chairs_call(app, event_id, rng)
        call_wall = time.perf_counter() - started
        figures = check(url, joins, calls)
        with app.app_context():
            from chairops.extensions import dispose_engines

            dispose_engines()
    minutes = max(c["minute"] for c in calls) + 1
    batches = Counter(Counter(c["minute"] for c in calls).values())
    result = {
        "people": PEOPLE,
        "chairs": CHAIRS,
        "join": latency([ms for _, ms in joins])
        | {
            "threads": JOIN_THREADS,
            "wall_s": round(join_wall, 2),
            "per_second": round(PEOPLE / join_wall, 1),
        },  # fmt: skip
        "call_next": latency([c["ms"] for c in calls])
        | {
            "wall_s": round(call_wall, 2),
            "call_minutes": minutes,
            "chairs_calling_at_once": {str(k): v for k, v in sorted(batches.items())},
        },  # fmt: skip
        **figures,
        "targets": {
            "everyone_called_once": figures["called"] == PEOPLE
            and not figures["called_twice"]
            and not figures["never_called"],
            "served_in_join_order": figures["served_in_join_order"],
            "no_join_errors": figures["join_errors"] == 0,
            "one_booking_and_slot_per_call": figures["bookings"] == figures["slots"] == PEOPLE,
        },
        "machine": {"nproc": os.cpu_count(), "python": platform.python_version()},
        "load_1m_before": round(load, 2),
        "seed": SEED,
        "when": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "notes": "Service-level: each join or call is chairops' service function plus its "
        "commit on its own session, timed in wall-clock ms (p50/p95/p99/max), client threads "
        "and PostgreSQL on this shared machine. Joins: 500 people within the simulated minute "
        "before opening, 16 threads. Calls: 8 chairs on a simulated clock, every chair due in "
        "one simulated minute calling at once (chairs_calling_at_once counts minutes by how "
        "many chairs called in them); each call writes the booking, its slot, the call text "
        "and the 3rd-in-line texts. served_in_join_order: each minute's calls took exactly "
        "the next people in (joined_at, id) order.",
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0 if all(result["targets"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
