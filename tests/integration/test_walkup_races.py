"""Walk-up line races on PostgreSQL: chairs calling at once never call one person twice and
never skip anyone, and a person's own write to their row never lets a chair pass them by."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from chairops.extensions import db
from chairops.models import Chair, LineEntry
from chairops.walkup.calls import call_next
from chairops.walkup.service import Joiner, join, take_screen
from tests.factories import phone
from tests.integration.test_walkup import LINE, R5, local

CHAIRS = 8
PEOPLE = 200


@pytest.fixture(autouse=True)
def backend():
    """Every test here runs on PostgreSQL (autouse: the app fixture only asks for a backend
    when the test's fixtures include one)."""
    return "postgresql"


@pytest.fixture
def app_config():
    return {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": CHAIRS + 4, "max_overflow": 0}}


def line_of(make, session, people: int):
    """A published line with CHAIRS chairs and `people` waiting, in join order."""
    event = make.event(kind="line", chairs=CHAIRS, start_time="06:00", end_time="23:00")
    start = local(event, 6, 0)
    order = []
    for n in range(people):
        # Every second pair joins in the same microsecond: ties go by id, as the rules say.
        at = start + dt.timedelta(microseconds=10 * (n // 2))
        entry, _ = join(session, event, Joiner(f"P{n}", phone(n), True), at, LINE)
        order.append(entry.id)
    session.commit()
    return event, order


def test_eight_chairs_calling_at_once_call_everyone_once_in_join_order(app, make, session):
    event, order = line_of(make, session, PEOPLE)
    chair_ids = [c.id for c in event.chairs]
    barrier = threading.Barrier(CHAIRS, timeout=60)
    rounds = PEOPLE // CHAIRS
    calls: list[list[tuple[int, int]]] = [[] for _ in range(CHAIRS)]  # (round, entry id)

    def chair_thread(index: int):
        with app.app_context():
            try:
                for round_ in range(rounds):
                    barrier.wait()  # all eight chairs press "Call next" together
                    chair = db.session.get(Chair, chair_ids[index])
                    now = local(event, 10, 0) + dt.timedelta(minutes=20 * round_)
                    entry = call_next(db.session, chair, now, LINE)
                    calls[index].append((round_, entry.id))
                    db.session.commit()
                    barrier.wait()  # the round is over before the next one starts
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=CHAIRS) as pool:
        list(pool.map(chair_thread, range(CHAIRS)))

    called = Counter(entry_id for chair in calls for _, entry_id in chair)
    assert len(called) == PEOPLE and set(called.values()) == {1}  # each exactly once
    rank = {entry_id: i for i, entry_id in enumerate(order)}
    for round_ in range(rounds):
        got = sorted(rank[e] for chair in calls for r, e in chair if r == round_)
        # Each round the eight chairs took exactly the next eight people in join order.
        assert got == list(range(CHAIRS * round_, CHAIRS * (round_ + 1)))
    for chair in calls:  # and every chair's own calls went down the line
        assert [rank[e] for _, e in chair] == sorted(rank[e] for _, e in chair)
    session.expire_all()
    statuses = set(session.scalars(select(LineEntry.status)))
    assert statuses == {"called"}


def test_a_person_sending_their_screen_is_not_skipped_by_a_call(app, make, session):
    """Their row is held for a moment by their own write; the chair waits instead of skipping
    to the second in line (which FOR UPDATE SKIP LOCKED would do)."""
    event, order = line_of(make, session, 3)
    chair_id = event.chairs[0].id
    holding, called = threading.Event(), {}

    def first_person_sends_screen():
        with app.app_context():
            try:
                entry = db.session.get(LineEntry, order[0])
                take_screen(db.session, entry, R5, local(event, 9, 59))
                holding.set()
                threading.Event().wait(0.5)  # the transaction stays open while the chair calls
                db.session.commit()
            finally:
                db.session.remove()

    def chair_calls():
        with app.app_context():
            try:
                assert holding.wait(timeout=30)
                chair = db.session.get(Chair, chair_id)
                called["id"] = call_next(db.session, chair, local(event, 10, 0), LINE).id
                db.session.commit()
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=2) as pool:
        for future in [pool.submit(first_person_sends_screen), pool.submit(chair_calls)]:
            future.result()
    assert called["id"] == order[0]
    session.expire_all()
    first = session.get(LineEntry, order[0])
    assert first.booking.screen.routine == "glute_exception"
