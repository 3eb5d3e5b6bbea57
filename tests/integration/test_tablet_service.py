"""The chair queue against a real database: moves, undo, walk-ins, late running, query count."""

import datetime as dt

import pytest

from chairops.errors import BadTransition, NotFound, ValidationError
from chairops.screening.service import submit_screen
from chairops.tablet.service import (
    add_walk_in,
    assign_therapist,
    chair_for,
    load_queue,
    set_late,
    set_status,
    undo_last,
)
from tests.querycount import counting_queries

pytestmark = pytest.mark.usefixtures("backend")
ANSWERS = {
    "pain_areas": ["lower_back"], "low_back_pain": 8, "new_or_different": False,
    "leg_symptoms": "none", "red_flags": False, "conditions": ["blood_thinners"],
    "pressure": "firm", "avoid_note": "",
}  # fmt: skip


def test_moves_forward_repeat_and_refuse_backwards(make, session):
    booking, _ = make.booking(make.event())
    now = booking.slot.starts_at  # on the event's day: moves the evening before are refused
    for status in ("checked_in", "in_service", "completed"):
        set_status(session, booking, status, now)
    changed_at = booking.status_changed_at
    set_status(session, booking, "completed", now + dt.timedelta(seconds=5))  # a double tap
    assert (booking.status, booking.status_changed_at) == ("completed", changed_at)
    with pytest.raises(BadTransition):
        set_status(session, booking, "in_service", now)


def test_undo_restores_the_previous_status_within_the_window(make, session):
    booking, _ = make.booking(make.event())
    now = booking.slot.starts_at
    set_status(session, booking, "checked_in", now)
    undo_last(session, booking, now + dt.timedelta(seconds=30))
    assert booking.status == "booked"
    with pytest.raises(BadTransition):
        undo_last(session, booking, now + dt.timedelta(seconds=40))
    set_status(session, booking, "no_show", now)
    with pytest.raises(BadTransition):
        undo_last(session, booking, now + dt.timedelta(minutes=5))


def test_undoing_a_no_show_whose_slot_was_retaken_is_refused(make, session):
    event = make.event(chairs=1)
    booking, _ = make.booking(event, 1)
    set_status(session, booking, "no_show", booking.slot.starts_at)
    session.commit()
    make.booking(event, 2, start=booking.slot.starts_at)
    with pytest.raises(BadTransition):
        undo_last(session, booking, booking.slot.starts_at + dt.timedelta(seconds=30))
    session.rollback()
    assert session.get(type(booking), booking.id).status == "no_show"


def test_walk_in_takes_the_chairs_next_free_slot(make, session):
    event = make.event(chairs=2)
    first, _ = make.booking(event, 1)
    chair = first.slot.chair
    now = first.slot.starts_at  # walk-ins come while the event is open
    walk_in = add_walk_in(session, chair, "Dana", "", now)
    assert walk_in.walk_in and walk_in.phone is None and walk_in.slot.chair_id == chair.id
    assert walk_in.slot.starts_at > first.slot.starts_at
    texted = add_walk_in(session, chair, "Eli", "(202) 555-0177", now)
    assert texted.phone == "+12025550177" and texted.sms_consent
    with pytest.raises(ValidationError) as caught:
        add_walk_in(session, chair, "", "12", now)
    assert set(caught.value.errors) == {"name", "phone"}


def test_walk_in_on_a_full_chair_is_refused(make, session):
    event = make.event(
        chairs=1, start_time="10:00", end_time="10:30", slot_minutes=15, buffer_minutes=0
    )
    first, _ = make.booking(event, 1)
    make.booking(event, 2)
    with pytest.raises(ValidationError):
        add_walk_in(session, event.chairs[0], "Late Larry", None, first.slot.starts_at)


def test_running_late_shifts_expected_times_of_waiting_people(make, session):
    event = make.event(chairs=1)
    booking, _ = make.booking(event, 1)
    chair = event.chairs[0]
    set_late(session, chair, 15)
    view = load_queue(session, chair)
    assert view.expected(booking) == booking.slot.starts_at + dt.timedelta(minutes=15)
    assert set_late(session, chair, -10).late_minutes == 0


def test_only_the_chairs_therapist_or_an_admin_opens_it(make, session):
    event = make.event(chairs=2)
    therapist, other = make.user("therapist"), make.user("therapist")
    assign_therapist(session, event, 2, therapist.id)
    assign_therapist(session, event, 1, other.id)
    session.commit()
    assert chair_for(session, therapist, event.id, 2).number == 2
    assert chair_for(session, make.user("admin"), event.id, 1).number == 1
    for user, number in (
        (therapist, 1),
        (other, 2),
        (make.user("coordinator", company=event.company), 2),
    ):
        with pytest.raises(NotFound):
            chair_for(session, user, event.id, number)
    with pytest.raises(ValidationError):
        assign_therapist(session, event, 1, make.user("coordinator").id)


def _count_queries(session, chair):
    session.expire_all()
    with counting_queries() as statements:
        view = load_queue(session, chair)
        for booking in view.bookings.values():
            _ = (booking.slot.starts_at, booking.screen and booking.screen.routine)
    return len(statements), len(view.bookings)


def test_loading_a_queue_takes_the_same_few_queries_for_5_or_40_bookings(make, session):
    event = make.event(
        chairs=1, start_time="08:00", end_time="20:00", slot_minutes=15, buffer_minutes=0
    )
    counts = []
    for n in range(40):
        booking, _ = make.booking(event, n)
        submit_screen(session, booking, ANSWERS, booking.slot.starts_at - dt.timedelta(hours=1))
        session.commit()
        if n + 1 in (5, 40):
            counts.append(_count_queries(session, event.chairs[0]))
    assert counts[0][1] == 5 and counts[1][1] == 40
    assert counts[0][0] == counts[1][0] <= 3
