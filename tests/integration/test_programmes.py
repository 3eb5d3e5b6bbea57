"""Programmes on SQLite and PostgreSQL: dates made, sign-up on a schedule, fair share, changes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from chairops import waitlist
from chairops.booking.service import Claim, cancel_booking, claim_slot
from chairops.errors import (
    MonthlyCapReached,
    PriorityWindow,
    ProgrammeDatesBooked,
    SignupClosed,
    ValidationError,
    WaitlistClosed,
)
from chairops.events.changes import cancel_event
from chairops.messaging.notify import TextSettings
from chairops.models import AuditEntry, Booking, Message, PriorityTurnaway, Slot
from chairops.programmes.service import change_programme, create_programme, validate_programme
from chairops.programmes.stats import programme_stats
from chairops.seating.availability import time_options
from tests.factories import phone

CFG = TextSettings("https://chairops.example", "chairops", offer_minutes=10)
NY = ZoneInfo("America/New_York")
# Long before the dates below: the programme is set up in 2030 for 2031.
SET_UP = dt.datetime(2030, 11, 1, 15, 0, tzinfo=dt.UTC)
MONTHLY = {
    "title": "Back-care day", "location": "1 Main Street", "timezone": "America/New_York",
    "start_time": "10:00", "end_time": "11:00", "chairs": 3, "slot_minutes": 15,
    "buffer_minutes": 5, "rrule": "FREQ=MONTHLY;BYDAY=1TU;COUNT=4", "dtstart": "2031-01-01",
    "publish": True,
}  # fmt: skip


@pytest.fixture(autouse=True)
def _both(backend):
    return backend


@pytest.fixture
def coordinator(make):
    return make.user("coordinator")


def new_programme(session, coordinator, **changes):
    data = validate_programme(MONTHLY | changes, now=SET_UP)
    programme = create_programme(session, coordinator.company, data, coordinator, SET_UP)
    session.commit()
    return programme


def opens(event, minutes: int = 0) -> dt.datetime:
    return event.signup_opens_at + dt.timedelta(minutes=minutes)


def claim(session, event, n: int, now: dt.datetime, which: int = 0):
    """Attendee n claims the event's first (or `which`) free time at `now`."""
    start = [o.start for o in time_options(session, event, now) if o.available][which]
    person = Claim(f"Person {n}", phone(n), start.isoformat(), True)
    booking, _ = claim_slot(session, event, person, now)
    session.commit()
    return booking


def after_window(event):
    return opens(event, 24 * 60 + 1)


def test_a_programme_makes_a_published_event_for_each_date(session, coordinator):
    programme = new_programme(session, coordinator)
    events = programme.events
    assert [e.date for e in events] == [
        dt.date(2031, 1, 7), dt.date(2031, 2, 4), dt.date(2031, 3, 4), dt.date(2031, 4, 1)
    ]  # fmt: skip
    assert {e.programme_id for e in events} == {programme.id}
    assert {e.status for e in events} == {"published"}
    # Sign-up opens a week before at 9 AM local: EST in January, EDT for 1 April (after 9 March).
    assert events[0].signup_opens_at.astimezone(NY) == dt.datetime(2030, 12, 31, 9, tzinfo=NY)
    assert events[3].signup_opens_at.astimezone(NY) == dt.datetime(2031, 3, 25, 9, tzinfo=NY)
    assert events[3].signup_opens_at.hour == 13  # 9 AM EDT is 13:00 UTC
    slots = session.scalar(select(func.count(Slot.id)).where(Slot.event_id == events[3].id))
    assert slots == 9  # 10:00, 10:20, 10:40 on three chairs, at 10 AM local in daylight time
    first = session.scalar(select(Slot.starts_at).where(Slot.event_id == events[3].id).limit(1))
    assert first.astimezone(NY).time() == dt.time(10)
    audit = session.scalar(select(AuditEntry).where(AuditEntry.action == "programme.created"))
    assert audit.subject_id == programme.id and audit.detail == {"dates": 4}


def test_draft_programmes_make_draft_dates_and_sign_up_waits_for_its_opening(session, coordinator):
    programme = new_programme(session, coordinator, publish=False)
    assert {e.status for e in programme.events} == {"draft"}
    published = new_programme(session, coordinator, title="Open later")
    event = published.events[1]
    with pytest.raises(SignupClosed):
        claim(session, event, 1, opens(event, -1))


def test_during_the_priority_window_who_had_the_previous_date_waits(session, coordinator):
    first, second = new_programme(session, coordinator).events[:2]
    had = {1: "booked", 2: "no_show", 3: "cancelled", 4: "completed"}
    for n, status in had.items():
        claim(session, first, n, after_window(first)).status = status
    session.commit()
    inside = opens(second, 5)
    for n in (1, 2, 4):  # booked, a no-show (a turn taken) and attended: all wait
        with pytest.raises(PriorityWindow) as caught:
            claim(session, second, n, inside)
        session.rollback()
        assert caught.value.ends_at == opens(second, 24 * 60)
        assert caught.value.extra["ends_at"] == "2031-01-29T09:00:00-05:00"
    assert claim(session, second, 3, inside).status == "booked"  # cancelled: no turn
    assert claim(session, second, 5, inside).status == "booked"  # new to the programme
    assert claim(session, second, 1, after_window(second)).status == "booked"


def test_a_turnaway_is_counted_once_per_number_and_date(session, coordinator):
    first, second = new_programme(session, coordinator).events[:2]
    claim(session, first, 1, after_window(first))
    claim(session, first, 2, after_window(first))
    for n in (1, 1, 2):
        with pytest.raises(PriorityWindow):
            claim(session, second, n, opens(second, 1))
        session.commit()  # as the views do: the count is kept though the claim fails
    rows = session.scalars(select(PriorityTurnaway).order_by(PriorityTurnaway.id)).all()
    assert [(r.event_id, r.attempts) for r in rows] == [(second.id, 2), (second.id, 1)]
    assert all(phone(1) not in r.phone_hash for r in rows)  # only a hash is kept


def test_the_previous_date_is_the_last_one_that_ran(session, coordinator):
    first, second, third = new_programme(session, coordinator).events[:3]
    claim(session, first, 1, after_window(first))
    cancel_event(session, second, coordinator, opens(second, -60))
    session.commit()
    with pytest.raises(PriorityWindow):
        claim(session, third, 1, opens(third, 1))


def test_the_first_date_has_no_priority_window_to_keep(session, coordinator):
    first = new_programme(session, coordinator).events[0]
    assert claim(session, first, 1, opens(first, 1)).status == "booked"


def test_a_held_back_number_may_wait_in_line_and_is_offered_a_chair_after_the_window(
    session, coordinator
):
    first, second = new_programme(session, coordinator, chairs=1).events[:2]
    claim(session, first, 1, after_window(first))
    inside = opens(second, 10)
    # Chairs are free, so the line is closed to everyone else ...
    with pytest.raises(WaitlistClosed):
        waitlist.join(session, second, waitlist.Joiner("Person 9", phone(9), True), inside)
    session.rollback()
    # ... but open to whoever the window holds back.
    entry, _ = waitlist.join(session, second, waitlist.Joiner("Person 1", phone(1), True), inside)
    session.commit()
    assert waitlist.offer_free_slots(session, second, inside, CFG) == []
    later = after_window(second)
    assert waitlist.offer_free_slots(session, second, later, CFG) == [entry]
    session.commit()
    booking, _ = waitlist.claim_offer(session, entry, later, CFG)
    assert booking.phone == phone(1) and booking.status == "booked"


def test_the_monthly_cap_counts_turns_in_the_calendar_month(session, coordinator):
    events = new_programme(
        session, coordinator, rrule="FREQ=WEEKLY;BYDAY=TU;COUNT=6", monthly_cap=1, priority_hours=0
    ).events
    # 7, 14, 21, 28 January, then 4 and 11 February 2031.
    claim(session, events[0], 1, opens(events[0]))
    cancelled = claim(session, events[1], 2, opens(events[1]))
    cancel_booking(session, cancelled, opens(events[1], 1))
    session.commit()
    with pytest.raises(MonthlyCapReached):
        claim(session, events[2], 1, opens(events[2]))
    session.rollback()
    with pytest.raises(MonthlyCapReached):
        waitlist.join(
            session, events[2], waitlist.Joiner("Person 1", phone(1), True), opens(events[2])
        )
    session.rollback()
    assert claim(session, events[2], 2, opens(events[2])).status == "booked"  # cancelled: no turn
    assert claim(session, events[4], 1, opens(events[4])).status == "booked"  # February


def test_changing_hours_changes_every_future_date_without_bookings(session, coordinator):
    programme = new_programme(session, coordinator)
    result = change_programme(
        session, programme, {"start_time": "12:00", "end_time": "13:00"}, coordinator, SET_UP
    )
    session.commit()
    assert result.count("change") == 4 and not result.kept
    for event in programme.events:
        first = session.scalar(select(func.min(Slot.starts_at)).where(Slot.event_id == event.id))
        assert first.astimezone(NY).time() == dt.time(12)


def test_a_new_rule_adds_and_cancels_dates_and_leaves_the_past_alone(session, coordinator):
    programme = new_programme(session, coordinator)
    january = programme.events[0]
    after_first = dt.datetime(2031, 1, 20, tzinfo=dt.UTC)
    change = {"rrule": "FREQ=MONTHLY;BYDAY=1TU;COUNT=5", "exdates": ["2031-03-04"]}
    result = change_programme(session, programme, change, coordinator, after_first)
    session.commit()
    assert (result.count("create"), result.count("cancel")) == (1, 1)
    by_date = {e.date: e.status for e in programme.events}
    assert by_date[dt.date(2031, 3, 4)] == "cancelled"
    assert by_date[dt.date(2031, 5, 6)] == "published"
    assert january.status == "published"  # it began before the change: history


def test_dates_with_bookings_are_listed_and_kept_or_changed_on_request(session, coordinator):
    programme = new_programme(session, coordinator)
    first = programme.events[0]
    claim(session, first, 1, after_window(first))  # 10:00
    claim(session, first, 2, after_window(first), which=1)  # 10:20
    change = {"end_time": "10:40"}  # drops the 10:40 slots, where nobody is booked
    with pytest.raises(ProgrammeDatesBooked) as caught:
        change_programme(session, programme, change, coordinator, SET_UP, CFG)
    session.rollback()
    assert caught.value.extra["affected"] == [
        {"date": "2031-01-07", "event_id": first.id, "bookings": 2, "change": "change"}
    ]
    result = change_programme(session, programme, change, coordinator, SET_UP, CFG, "keep")
    session.commit()
    assert [s.day for s in result.kept] == [dt.date(2031, 1, 7)]
    assert first.end_time == dt.time(11) and programme.events[1].end_time == dt.time(10, 40)
    result = change_programme(
        session, programme, {"end_time": "10:20"}, coordinator, SET_UP, CFG, "change"
    )
    session.commit()
    assert first.end_time == dt.time(10, 20)
    statuses = {b.phone: b.status for b in session.scalars(select(Booking))}
    # 10:00 stays; 10:20 goes, cancelled and texted (the audit entry keeps who it was).
    assert statuses == {phone(1): "booked"}
    texted = session.scalars(select(Message.to).where(Message.kind == "event_changed")).all()
    assert texted == [phone(2)]
    audit = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "event.schedule_changed")
    ).all()
    assert [
        entry.detail["cancelled"][0]["name"] for entry in audit if entry.detail["cancelled"]
    ] == ["Person 2"]


def test_bad_programmes_name_the_field(session, coordinator):
    cases = {
        "rrule": {"rrule": "FREQ=MONTHLY;BYMONTHDAY=30;BYMONTH=2;COUNT=2"},
        "timezone": {"timezone": "Mars/Olympus_Mons"},
        "end_time": {"end_time": "09:00"},
        "dtstart": {"dtstart": "2030-10-01"},
        "signup_opens_days_before": {"signup_opens_days_before": 0, "start_time": "08:00"},
    }
    for field, change in cases.items():
        with pytest.raises(ValidationError) as caught:
            validate_programme(MONTHLY | change, now=SET_UP)
        assert field in caught.value.errors, field


def test_the_programme_page_counts_people_and_never_names_them(session, coordinator):
    programme = new_programme(session, coordinator, chairs=1)
    first, second = programme.events[:2]
    people = [claim(session, first, n, after_window(first)) for n in (1, 2, 3)]
    for booking, status in zip(people, ("completed", "no_show", "completed"), strict=True):
        booking.status = status
    session.commit()
    with pytest.raises(PriorityWindow):
        claim(session, second, 1, opens(second, 1))
    session.commit()
    claim(session, second, 4, opens(second, 2))
    waitlist.join(session, second, waitlist.Joiner("Person 1", phone(1), True), opens(second, 3))
    session.commit()
    stats = programme_stats(session, programme)
    assert (stats.people_served, stats.people_booked, stats.turned_away) == (2, 4, 1)
    one, two = stats.dates[:2]
    assert (one.tally.attended, one.tally.no_show, one.tally.slots) == (2, 1, 3)
    assert (two.turned_away, two.waitlist_joined, two.waitlist_unseated) == (1, 1, 1)
    assert [label for label, _ in stats.months] == ["Jan 2031", "Feb 2031", "Mar 2031", "Apr 2031"]
    assert "Person" not in repr(stats.months) + repr([d[1:] for d in stats.dates])
