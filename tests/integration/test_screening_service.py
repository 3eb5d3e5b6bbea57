"""The screen against a real database: storage, retakes, closing, purge, counts, access."""

import datetime as dt

import pytest
from sqlalchemy import select

from chairops.errors import BookingNotFound, ValidationError
from chairops.models import AuditEntry, Screen
from chairops.screening.service import (
    ScreenClosed,
    booking_for_therapist,
    purge_screen_answers,
    reveal_answers,
    routine_card,
    screen_counts,
    stored_outcome,
    submit_screen,
)

pytestmark = pytest.mark.usefixtures("backend")

SEVERE_SETTLED = {
    "pain_areas": ["lower_back"], "low_back_pain": 8, "new_or_different": False,
    "leg_symptoms": "none", "red_flags": False, "conditions": [], "pressure": "firm",
    "avoid_note": "left knee",
}  # fmt: skip
NOTHING = {**SEVERE_SETTLED, "pain_areas": [], "low_back_pain": None, "avoid_note": ""}


def before(booking, minutes=30):
    return booking.slot.starts_at - dt.timedelta(minutes=minutes)


def test_severe_settled_back_pain_stores_glute_exception_with_rule_and_version(make, session):
    booking, _ = make.booking(make.event())
    outcome = submit_screen(session, booking, SEVERE_SETTLED, before(booking))
    session.commit()
    screen = session.scalar(select(Screen))
    assert (screen.routine, screen.rule, screen.rule_version) == ("glute_exception", "R5", "2026.1")
    assert screen.answers["low_back_pain"] == 8 and screen.avoid_note == "left knee"
    assert screen.pressure == "firm" and stored_outcome(screen) == outcome


def test_retaking_replaces_the_answers_and_the_newest_count(make, session):
    booking, _ = make.booking(make.event())
    submit_screen(session, booking, SEVERE_SETTLED, before(booking, 60))
    submit_screen(session, booking, {**NOTHING, "red_flags": True}, before(booking, 10))
    session.commit()
    screens = session.scalars(select(Screen)).all()
    assert len(screens) == 1 and (screens[0].routine, screens[0].rule) == ("refer", "R1")


def test_bad_answers_are_refused_and_the_stored_screen_is_kept(make, session):
    booking, _ = make.booking(make.event())
    submit_screen(session, booking, SEVERE_SETTLED, before(booking))
    session.commit()
    with pytest.raises(ValidationError) as caught:
        submit_screen(session, booking, {**SEVERE_SETTLED, "low_back_pain": 11}, before(booking))
    assert "low_back_pain" in caught.value.errors
    session.rollback()
    assert session.scalar(select(Screen)).rule == "R5"


def test_the_screen_closes_when_the_slot_starts_but_the_therapist_can_take_it(make, session):
    booking, _ = make.booking(make.event())
    with pytest.raises(ScreenClosed):
        submit_screen(session, booking, NOTHING, booking.slot.starts_at)
    outcome = submit_screen(session, booking, NOTHING, booking.slot.starts_at, taken_by="therapist")
    assert outcome.routine == "standard"


def test_a_stored_outcome_survives_a_change_of_the_rules(make, session):
    booking, _ = make.booking(make.event())
    submit_screen(session, booking, SEVERE_SETTLED, before(booking))
    session.commit()
    screen = session.scalar(select(Screen))
    screen.rule_version = "2025.9"  # as if decided by an older table
    session.commit()
    assert stored_outcome(screen).rule_version == "2025.9"
    assert routine_card(screen, 20).card.routine == "glute_exception"
    assert sum(step.minutes for step in routine_card(screen, 20).steps) == 20


def test_purge_drops_answers_and_note_after_retention_and_keeps_the_outcome(make, session):
    booking, _ = make.booking(make.event())
    submit_screen(session, booking, SEVERE_SETTLED, before(booking))
    session.commit()
    assert purge_screen_answers(session, booking.slot.ends_at + dt.timedelta(days=6), 7) == 0
    later = booking.slot.ends_at + dt.timedelta(days=7, minutes=1)
    assert purge_screen_answers(session, later, 7) == 1
    session.commit()
    session.expire_all()
    screen = session.scalar(select(Screen))
    assert screen.answers is None and screen.avoid_note is None
    assert (screen.routine, screen.rule) == ("glute_exception", "R5")
    assert purge_screen_answers(session, later, 7) == 0


def test_counts_are_withheld_below_five(make, session):
    event = make.event(chairs=4)
    bookings = [make.booking(event, n)[0] for n in range(6)]
    for booking in bookings[:4]:
        submit_screen(session, booking, NOTHING, before(booking))
    session.commit()
    assert screen_counts(session, event.id) == {
        "bookings": 6,
        "screens_done": None,
        "screens_pending": None,
    }
    submit_screen(session, bookings[4], NOTHING, before(bookings[4]))
    session.commit()
    assert screen_counts(session, event.id)["screens_done"] == 5


def test_only_the_events_therapists_and_admins_reach_the_health_data(make, session):
    event = make.event()
    booking, _ = make.booking(event)
    mine, other = make.user("therapist"), make.user("therapist")
    event.chairs[0].therapist = mine
    session.commit()
    assert booking_for_therapist(session, mine, booking.id) == booking
    assert booking_for_therapist(session, make.user("admin"), booking.id) == booking
    for outsider in (other, make.user("coordinator", company=event.company)):
        with pytest.raises(BookingNotFound):
            booking_for_therapist(session, outsider, booking.id)


def test_revealing_answers_writes_an_audit_entry(make, session):
    booking, _ = make.booking(make.event())
    submit_screen(session, booking, SEVERE_SETTLED, before(booking))
    admin = make.user("admin")
    answers = reveal_answers(session, booking, admin, before(booking))
    session.commit()
    entry = session.scalar(select(AuditEntry))
    assert answers["pain_areas"] == ["lower_back"]
    assert (entry.user_id, entry.action, entry.subject_id) == (
        admin.id,
        "screen.answers_viewed",
        booking.id,
    )
    assert "low_back_pain" not in str(entry.detail)
