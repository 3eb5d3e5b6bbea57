"""Races on PostgreSQL: the unique indexes, not Python checks, decide who gets the chair."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from chairops.booking.service import Claim, claim_slot
from chairops.errors import AlreadyBooked, SlotTaken
from chairops.extensions import db
from chairops.models import Booking, Event, utcnow
from chairops.seating.availability import time_options
from tests.factories import phone


@pytest.fixture(autouse=True)
def backend():
    # autouse: the app fixture only uses PostgreSQL when `backend` is among the test's fixtures.
    return "postgresql"


@pytest.fixture
def app_config():
    # Every racer holds a connection while waiting at the barrier.
    return {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 30, "max_overflow": 0}}


def _race(app, event_id, start, people, phone_of):
    barrier = threading.Barrier(len(people), timeout=30)

    def attempt(n):
        with app.app_context():
            event = db.session.get(Event, event_id)
            claim = Claim(f"Racer {n}", phone_of(n), start.isoformat(), True)
            barrier.wait()
            try:
                claim_slot(db.session, event, claim, utcnow())
                db.session.commit()
                return "booked"
            except (SlotTaken, AlreadyBooked) as exc:
                db.session.rollback()
                return type(exc).__name__
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=len(people)) as pool:
        return list(pool.map(attempt, people))


def test_25_people_claim_the_last_free_chair_at_once(app, make, session):
    event = make.event(chairs=3)
    start = time_options(session, event, utcnow())[1].start
    make.booking(event, 100, start=start)
    make.booking(event, 101, start=start)
    outcomes = _race(app, event.id, start, list(range(25)), phone)
    assert outcomes.count("booked") == 1
    assert outcomes.count("SlotTaken") == 24
    session.expire_all()
    holders = session.scalar(
        select(func.count(Booking.id)).where(
            Booking.event_id == event.id, Booking.status == "booked"
        )
    )
    assert holders == 3


def test_the_same_phone_claiming_twice_at_once_gets_one_booking(app, make, session):
    event = make.event(chairs=4)
    start = time_options(session, event, utcnow())[0].start
    outcomes = _race(app, event.id, start, list(range(8)), lambda n: phone(42))
    assert outcomes.count("booked") == 1
    assert outcomes.count("AlreadyBooked") == 7
