"""Waitlist races on PostgreSQL: an offer running out while its person claims it, double taps."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from chairops import waitlist
from chairops.errors import OfferGone
from chairops.extensions import db
from chairops.models import Booking, WaitlistEntry
from tests.integration.test_waitlist import CFG, cancel_with_line


@pytest.fixture(autouse=True)
def backend():
    # autouse: the app fixture only uses PostgreSQL when `backend` is among the test's fixtures.
    return "postgresql"


@pytest.fixture
def app_config():
    return {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 12, "max_overflow": 0}}


def _together(app, jobs):
    """Run each job in its own thread and app context, all released at once."""
    barrier = threading.Barrier(len(jobs), timeout=30)

    def run(job):
        with app.app_context():
            barrier.wait()
            try:
                outcome = job()
                db.session.commit()
                return outcome
            except OfferGone:
                db.session.commit()
                return "gone"
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(run, jobs))


def _bookings_on(session, slot_id) -> int:
    return session.scalar(
        select(func.count(Booking.id)).where(Booking.slot_id == slot_id, Booking.status == "booked")
    )


@pytest.mark.parametrize("round_", range(4))
def test_an_offer_expiring_while_claimed_gives_one_booking(app, make, session, round_):
    _, first, (a, b), now = cancel_with_line(make, session)
    slot_id, expiry = first.slot_id, a.offer_expires_at

    def a_claims():
        entry = db.session.get(WaitlistEntry, a.id)
        waitlist.claim_offer(db.session, entry, expiry - dt.timedelta(seconds=1), CFG)
        return "a booked"

    def clock_passes_it_on_and_b_claims():
        waitlist.tick(db.session, expiry + dt.timedelta(seconds=1), CFG)
        db.session.commit()
        entry = db.session.get(WaitlistEntry, b.id)
        if entry.status != "offered":
            return "b still waiting"
        waitlist.claim_offer(db.session, entry, expiry + dt.timedelta(seconds=2), CFG)
        return "b booked"

    outcomes = _together(app, [a_claims, clock_passes_it_on_and_b_claims])

    session.expire_all()
    assert _bookings_on(session, slot_id) == 1
    assert sorted(outcomes) in (["a booked", "b still waiting"], ["b booked", "gone"])
    statuses = {e.id: e.status for e in session.scalars(select(WaitlistEntry))}
    assert sorted(statuses.values()) in (["booked", "waiting"], ["booked", "expired"])


def test_one_offer_claimed_from_five_taps_at_once_gives_one_booking(app, make, session):
    _, first, (a,), now = cancel_with_line(make, session, people=1)

    def tap():
        entry = db.session.get(WaitlistEntry, a.id)
        waitlist.claim_offer(db.session, entry, now + dt.timedelta(minutes=1), CFG)
        return "booked"

    outcomes = _together(app, [tap] * 5)
    assert sorted(outcomes) == ["booked"] + ["gone"] * 4
    session.expire_all()
    assert _bookings_on(session, first.slot_id) == 1
