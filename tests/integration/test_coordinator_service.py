"""The coordinator's console on SQLite and PostgreSQL: roster, fill by time, counts, dashboard."""

import datetime as dt

import pytest

from chairops.booking.service import cancel_booking
from chairops.coordinator import service
from chairops.coordinator.rules import Tally
from chairops.models import utcnow
from chairops.seating.availability import time_options
from tests.querycount import counting_queries


@pytest.fixture
def day(make, backend):
    """Tomorrow's event, 2 chairs, 10:00-12:00 (six start times): a morning that happened."""
    event = make.event(chairs=2)
    starts = [o.start for o in time_options(make.session, event)]
    people = {}

    def book(n, at, status="booked"):
        booking, _ = make.booking(event, n=n, start=starts[at], name=f"Person {n}")
        booking.status = status
        make.session.commit()
        people[n] = booking
        return booking

    book(0, 0, "completed")
    book(1, 0, "no_show")
    book(2, 0)  # takes the no-show's chair
    cancel_booking(make.session, book(3, 1), utcnow())
    make.session.commit()
    book(4, 2, "no_show")
    book(5, 3, "checked_in")
    book(6, 3)
    return event, starts, people


def test_roster_lists_people_in_time_and_chair_order_without_cancelled(session, day):
    event, starts, people = day
    rows = service.roster(session, event)
    assert [b.name for b in rows] == [
        "Person 0", "Person 1", "Person 2", "Person 4", "Person 5", "Person 6",
    ]  # fmt: skip
    assert [b.slot.starts_at for b in rows] == [starts[i] for i in (0, 0, 0, 2, 3, 3)]
    # At 10:00 the no-show and the person who took their place share chair 2.
    chairs = {b.name: b.slot.chair.number for b in rows}
    assert chairs["Person 1"] == chairs["Person 2"] != chairs["Person 0"]


def test_fill_by_time_counts_each_slot_once(session, day):
    event, starts, _ = day
    fill = service.fill_by_time(session, event)
    assert [start for start, _ in fill] == starts
    assert [tally for _, tally in fill] == [
        Tally(attended=1, booked=1),
        Tally(free=2),  # Person 3 cancelled
        Tally(no_show=1, free=1),
        Tally(attended=1, booked=1),
        Tally(free=2),
        Tally(free=2),
    ]


def test_counts_name_every_status_and_the_free_slots(session, day):
    event, _, _ = day
    assert service.roster_counts(session, event) == {
        "slots": 12, "free": 8, "booked": 2, "checked_in": 1, "in_service": 0, "completed": 1,
        "no_show": 2, "cancelled": 1, "waitlist": 0,
    }  # fmt: skip


def test_event_console_in_a_fixed_number_of_queries(session, day, make):
    event, _, _ = day
    session.expire_all()
    with counting_queries() as statements:
        console = service.event_console(session, event)
        names = [(b.name, b.slot.chair.number) for b in console.roster]
    assert len(names) == 6 and len(statements) <= 4
    assert console.total == Tally(attended=2, booked=2, no_show=1, free=7)
    assert console.attendance == 67
    assert len(console.chart.bars) == 6


def test_dashboard_splits_coming_up_from_past_within_the_company(session, make, backend):
    company = make.company()
    coordinator = make.user("coordinator", company=company)
    later = make.event(company=company, days_ahead=5, title="Later")
    soon = make.event(company=company, days_ahead=1, title="Soon")
    draft = make.event(company=company, days_ahead=2, publish=False, title="Draft")
    past = make.event(company=company, days_ahead=-3, title="Past")
    make.event(days_ahead=1, title="Another company's")
    before = dt.datetime.combine(past.date, dt.time(8), tzinfo=dt.UTC) - dt.timedelta(days=1)
    came, _ = make.booking(past, n=1, now=before)
    missed, _ = make.booking(past, n=2, now=before)
    came.status, missed.status = "completed", "no_show"
    make.booking(soon, n=3)
    session.commit()

    board = service.dashboard(session, coordinator, utcnow())
    assert [s.event.title for s in board.upcoming] == ["Soon", "Draft", "Later"]
    assert [s.event.title for s in board.past] == ["Past"]
    assert board.upcoming[0].tally == Tally(booked=1, free=11)
    assert board.past[0].tally == Tally(attended=1, no_show=1, free=10)
    assert (board.past[0].attendance, board.past_attendance) == (50, 50)
    # The draft's slots are not open yet, so they do not count.
    assert (board.upcoming_total.slots, board.upcoming_total.taken) == (24, 1)
    assert {s.event.id for s in board.upcoming} == {soon.id, draft.id, later.id}


def test_dashboard_marks_todays_event_and_keeps_only_recent_past(session, make, backend):
    company = make.company(timezone="America/Los_Angeles")
    coordinator = make.user("coordinator", company=company)
    for n in range(1, service.RECENT_PAST + 3):
        make.event(company=company, days_ahead=-n, title=f"{n} days ago")
    today = make.event(company=company, days_ahead=0, start_time="00:00", end_time="23:55")
    now = dt.datetime.combine(today.date, dt.time(12), tzinfo=dt.UTC)
    board = service.dashboard(session, coordinator, now)
    assert [(s.event.id, s.today) for s in board.upcoming] == [(today.id, True)]
    titles = [s.event.title for s in board.past]
    assert titles == [f"{n} days ago" for n in range(1, service.RECENT_PAST + 1)]
    assert board.past_count == service.RECENT_PAST + 2
    every = service.dashboard(session, coordinator, now, past_limit=None)
    assert len(every.past) == every.past_count == service.RECENT_PAST + 2
