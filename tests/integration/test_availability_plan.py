"""The sign-up read touches each of the event's bookings once, and no other event's.

Joined to bookings on slot_id alone, the read was planned as a hash join over every event's
active bookings, so it slowed down as history piled up (the fair baseline of the claim rush did
exactly that, round after round). Joined on event_id too, the event's index answers.

What this does not cover, measured with pg_stat_statements during the claim rush: before the
first ANALYZE of a new database PostgreSQL guesses one booking per event and may check every
booking of the event for every slot (192 x 192 rows for a full event). Autovacuum analyzes the
table after its first 50 bookings, and the two rewrites that avoid that plan cost more in every
rush after it (a subquery per slot: 3.0 ms a read instead of 0.34; slot_id alone: see above).
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert, select, text

from chairops import create_app
from chairops.booking.service import _event_with_times_statement
from chairops.extensions import db
from chairops.models import Booking, Slot, utcnow
from tests.conftest import _config, throwaway_database
from tests.factories import Factory

CHAIRS, TIMES = 8, 24


@pytest.fixture
def fresh_app():
    """An app on a database of its own whose tables autovacuum leaves alone: the test analyzes."""
    with throwaway_database("chairops_plan") as url:
        app = create_app(_config(url))
        with app.app_context():
            db.create_all()
            for table in ("bookings", "slots", "events", "waitlist_entries"):
                db.session.execute(text(f"ALTER TABLE {table} SET (autovacuum_enabled = off)"))
            db.session.commit()
            yield app
            db.session.remove()
            db.engine.dispose()


def test_the_times_read_touches_each_booking_of_the_event_once(fresh_app):
    session = db.session
    make = Factory(session)
    end = (dt.datetime(2000, 1, 1, 10) + dt.timedelta(minutes=15 * TIMES)).strftime("%H:%M")
    shape = dict(chairs=CHAIRS, start_time="10:00", end_time=end, buffer_minutes=0)
    # The event read, full; two other full events whose bookings the read must not touch.
    event, *others = (make.event(title=f"Day {n}", **shape) for n in range(3))
    make.event(title="Nobody booked yet")
    now = utcnow()
    for n, each in enumerate([event, *others]):
        slots = session.scalars(select(Slot.id).where(Slot.event_id == each.id)).all()
        rows = [_booked(each.id, slot, 1000 * n + i, now) for i, slot in enumerate(slots)]
        session.execute(insert(Booking), rows)
    session.commit()
    assert len(slots) == CHAIRS * TIMES
    session.execute(text("ANALYZE"))
    plan = _explained(session, event.share_token, now)
    assert _rows_checked(plan) <= 2 * len(slots), plan
    rows = _event_with_times_statement().rows(
        session, {"share_token": event.share_token, "now": now}
    )
    assert len(rows) == 1 + TIMES and all(row.free == 0 for row in rows[1:])


def _booked(event_id: int, slot_id: int, n: int, now: dt.datetime) -> dict:
    return dict(
        event_id=event_id, slot_id=slot_id, name=f"Person {n}", phone=f"+1202555{n:04d}",
        sms_consent=True, status="booked", manage_token_hash=f"{n:064x}",
        created_at=now, updated_at=now, status_changed_at=now,
    )  # fmt: skip


def _explained(session, share_token: str, now: dt.datetime) -> dict:
    """EXPLAIN ANALYZE of the app's own sign-up read, as the app sends it."""
    connection = session.connection()
    params = {"share_token": share_token, "now": now}
    sql, values = _event_with_times_statement().bound(connection.dialect, params)
    (plan,) = connection.exec_driver_sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", values).scalar()
    return plan["Plan"]


def _rows_checked(plan: dict) -> int:
    """Rows a plan read from bookings and rows its joins threw away, summed over the tree
    (EXPLAIN gives each node's figures per loop)."""
    checked = plan.get("Rows Removed by Join Filter", 0)
    if plan.get("Relation Name") == "bookings":
        checked += plan.get("Actual Rows", 0) + plan.get("Rows Removed by Filter", 0)
    checked *= plan.get("Actual Loops", 1)
    return checked + sum(_rows_checked(child) for child in plan.get("Plans", ()))
