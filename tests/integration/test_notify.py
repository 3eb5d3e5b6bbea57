"""Which texts each change writes to the outbox, in the same transaction."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from chairops.booking.service import Claim, cancel_booking, claim_slot, move_booking
from chairops.messaging.notify import TextSettings
from chairops.messaging.rules import reminder_time
from chairops.models import Message, utcnow
from chairops.screening.service import submit_screen
from chairops.seating.availability import time_options
from chairops.tablet.service import set_late, set_status
from tests.factories import phone

pytestmark = pytest.mark.usefixtures("backend")
CFG = TextSettings("https://chairops.example", "chairops")
R5 = {
    "pain_areas": ["lower_back"], "low_back_pain": 8, "new_or_different": False,
    "leg_symptoms": "none", "red_flags": False, "conditions": [], "pressure": "firm",
}  # fmt: skip


def texts_of(session, booking_id=None, status=None):
    query = select(Message).order_by(Message.id)
    if booking_id:
        query = query.where(Message.booking_id == booking_id)
    if status:
        query = query.where(Message.status == status)
    return {m.kind: m for m in session.scalars(query)}


def book(session, event, n=1, consent=True, start=None, now=None):
    now = now or utcnow()
    start = start or next(o.start for o in time_options(session, event, now) if o.available)
    booking, token = claim_slot(
        session, event, Claim(f"Kim {n}", phone(n), start.isoformat(), consent), now, texts=CFG
    )
    session.commit()
    return booking, token


def test_booking_writes_confirmation_reminder_and_up_next(make, session):
    event = make.event()
    booking, token = book(session, event)
    sent = texts_of(session, booking.id)
    assert set(sent) == {"confirmation", "reminder", "up_next"}
    confirmation = sent["confirmation"]
    assert f"https://chairops.example/b/{token}" in confirmation.body
    assert confirmation.body.count("Reply STOP to opt out.") == 1 and confirmation.to == phone(1)
    assert sent["reminder"].send_at == reminder_time(event.date, event.timezone)
    assert f"/b/{token}/screen" in sent["reminder"].body
    up_next = sent["up_next"]
    assert up_next.send_at == booking.slot.starts_at - dt.timedelta(minutes=10)
    assert up_next.valid_until == booking.slot.starts_at
    assert all(len(m.body) <= 320 for m in sent.values())


def test_no_consent_means_no_texts(make, session):
    booking, _ = book(session, make.event(), consent=False)
    assert texts_of(session, booking.id) == {}


def test_a_booking_after_9am_on_the_day_gets_no_reminder(make, session):
    event = make.event()
    booked_at = reminder_time(event.date, event.timezone) + dt.timedelta(minutes=5)
    booking, _ = book(session, event, now=booked_at)
    assert "reminder" not in texts_of(session, booking.id)


def test_moving_replaces_the_scheduled_texts(make, session):
    event = make.event(chairs=1)
    booking, token = book(session, event)
    old_reminder = texts_of(session, booking.id)["reminder"]
    later = time_options(session, event, utcnow())[3].start
    move_booking(session, booking, later.isoformat(), utcnow(), token=token, texts=CFG)
    session.commit()
    assert session.get(Message, old_reminder.id).status == "cancelled"
    pending = texts_of(session, booking.id, "pending")
    assert pending["up_next"].valid_until == later
    assert "is now" in pending["confirmation"].body


def test_cancelling_cancels_pending_texts(make, session):
    booking, _ = book(session, make.event())
    cancel_booking(session, booking, utcnow())
    session.commit()
    assert {m.status for m in texts_of(session, booking.id).values()} == {"cancelled"}


def test_answering_the_screen_takes_the_link_out_of_the_reminder(make, session):
    booking, token = book(session, make.event())
    before = booking.slot.starts_at - dt.timedelta(hours=2)
    submit_screen(session, booking, R5, before, token=token, texts=CFG)
    session.commit()
    assert "/screen" not in texts_of(session, booking.id)["reminder"].body


def _complete(session, booking, now):
    for status in ("checked_in", "in_service", "completed"):
        set_status(session, booking, status, now, texts=CFG)
    session.commit()


def test_completion_after_glute_exception_schedules_the_low_back_tips(make, session):
    booking, _ = book(session, make.event())
    submit_screen(session, booking, R5, booking.slot.starts_at - dt.timedelta(hours=1))
    done_at = booking.slot.ends_at
    _complete(session, booking, done_at)
    tips = texts_of(session, booking.id)["tips"]
    assert "glute bridges" in tips.body and "urgent care" in tips.body
    assert tips.send_at == done_at + dt.timedelta(minutes=60)


def test_completion_without_a_screen_gets_desk_tips_and_refer_gets_none(make, session):
    event = make.event(chairs=2)
    plain, _ = book(session, event, 1)
    _complete(session, plain, plain.slot.ends_at)
    assert "Desk tips" in texts_of(session, plain.id)["tips"].body
    referred, _ = book(session, event, 2)
    submit_screen(
        session,
        referred,
        {**R5, "red_flags": True},
        referred.slot.starts_at - dt.timedelta(hours=1),
    )
    _complete(session, referred, referred.slot.ends_at)
    assert "tips" not in texts_of(session, referred.id)


def test_tips_due_at_22_local_go_at_9_the_next_morning(make, session):
    event = make.event()
    booking, _ = book(session, event)
    late_evening = dt.datetime.combine(
        event.date, dt.time(21), tzinfo=booking.slot.starts_at.tzinfo
    )

    done = dt.datetime.combine(event.date, dt.time(21), tzinfo=ZoneInfo(event.timezone))
    _complete(session, booking, done.astimezone(dt.UTC))
    tips = texts_of(session, booking.id)["tips"]
    next_morning = dt.datetime.combine(
        event.date + dt.timedelta(days=1), dt.time(9), tzinfo=ZoneInfo(event.timezone)
    )
    assert tips.send_at == next_morning.astimezone(dt.UTC) != late_evening


def test_finishing_early_never_texts_the_next_person_before_their_lead_time(make, session):
    # Issue 11: "up next" is never due before the lead time ahead of the expected start (it
    # used to go at once, so a completion the evening before texted "you're up next" at 20:09).
    event = make.event(chairs=1)
    first, _ = book(session, event, 1)
    second, _ = book(session, event, 2)
    early = first.slot.starts_at + dt.timedelta(minutes=5)
    _complete(session, first, early)
    up_next = texts_of(session, second.id)["up_next"]
    assert up_next.send_at == second.slot.starts_at - dt.timedelta(minutes=10) > early


def test_running_late_moves_up_next_and_its_validity(make, session):
    event = make.event(chairs=1)
    booking, _ = book(session, event)
    set_late(session, event.chairs[0], 15, now=utcnow(), texts=CFG)
    session.commit()
    up_next = texts_of(session, booking.id, "pending")["up_next"]
    expected = booking.slot.starts_at + dt.timedelta(minutes=15)
    assert up_next.valid_until == expected
    assert up_next.send_at == expected - dt.timedelta(minutes=10)
    assert len(texts_of(session, booking.id)) == 3  # updated in place, not a second "up next"
    set_late(session, event.chairs[0], 0, now=utcnow(), texts=CFG)
    session.commit()
    assert texts_of(session, booking.id, "pending")["up_next"].valid_until == booking.slot.starts_at
