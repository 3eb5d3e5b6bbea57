"""A programme's monthly cap under a race on PostgreSQL: one number, two dates, many taps."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from chairops.booking.service import Claim, claim_slot, claim_without_transaction
from chairops.errors import AlreadyBooked, MonthlyCapReached
from chairops.extensions import db
from chairops.models import Booking, Event
from chairops.seating.availability import time_options
from tests.factories import phone
from tests.integration.test_programmes import new_programme


@pytest.fixture(autouse=True)
def backend():
    """PostgreSQL only; autouse, so the app fixture sees it and does not fall back to SQLite."""
    return "postgresql"


@pytest.fixture
def app_config():
    return {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 12, "max_overflow": 0}}


@pytest.mark.parametrize("as_requests_do", [False, True])
def test_two_dates_in_one_month_at_once_give_one_booking_under_a_cap_of_one(
    app, make, session, as_requests_do
):
    """Also as the API and the phone page claim: starting in autocommit mode
    (claim_without_transaction), which claim_slot leaves for a programme's date."""
    coordinator = make.user("coordinator")
    programme = new_programme(
        session, coordinator, rrule="FREQ=WEEKLY;BYDAY=TU;COUNT=2", monthly_cap=1, priority_hours=0
    )
    now = dt.datetime(2031, 1, 7, 9, 30, tzinfo=ZoneInfo("America/New_York"))  # both open
    targets = [(e.id, time_options(session, e, now)[0].start) for e in programme.events]
    barrier = threading.Barrier(8, timeout=30)

    def attempt(n: int) -> str:
        event_id, start = targets[n % 2]
        with app.app_context():
            if as_requests_do:
                claim_without_transaction(db.session)
            event = db.session.get(Event, event_id)
            claim = Claim("Quick Fingers", phone(7), start.isoformat(), True)
            barrier.wait()
            try:
                claim_slot(db.session, event, claim, now)
                db.session.commit()
                return "booked"
            except MonthlyCapReached:
                db.session.rollback()
                return "capped"
            except AlreadyBooked:  # the same date twice
                db.session.rollback()
                return "AlreadyBooked"
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(attempt, range(8)))
    session.expire_all()
    rows = session.execute(select(Booking.event_id, Booking.status, Booking.created_at)).all()
    assert outcomes.count("booked") == 1, (outcomes, rows)
    assert set(outcomes) <= {"booked", "capped", "AlreadyBooked"}
    assert outcomes.count("capped") >= 3  # every tap at the other date
    session.expire_all()
    held = session.scalar(select(func.count(Booking.id)).where(Booking.phone == phone(7)))
    assert held == 1
