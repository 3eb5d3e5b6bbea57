"""The event day on the venue's clock, against SQLite and PostgreSQL: when taps are allowed, texts
that follow each booking, walk-ins, the lifecycle job, and freeing a chair after a refer screen."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from chairops import waitlist
from chairops.booking.free_up import free_up, next_event
from chairops.booking.service import Claim, claim_slot
from chairops.errors import EventConflict, NotNow, ValidationError
from chairops.events.changes import update_details
from chairops.events.lifecycle import advance_events
from chairops.messaging.notify import TextSettings
from chairops.models import Event, Message, WaitlistEntry
from chairops.screening.service import submit_screen
from chairops.seating.availability import signup_open
from chairops.tablet.service import add_walk_in, set_status, therapist_chairs
from tests.factories import phone

pytestmark = pytest.mark.usefixtures("backend")
CFG = TextSettings("https://chairops.example", "chairops", offer_minutes=10)
RED_FLAGS = {
    "pain_areas": ["lower_back"], "low_back_pain": 4, "new_or_different": False,
    "leg_symptoms": "none", "red_flags": True, "conditions": [], "pressure": "medium",
}  # fmt: skip
UNWELL = {**RED_FLAGS, "red_flags": False, "conditions": ["unwell"]}


def local(event: Event, hhmm: str, days: int = 0) -> dt.datetime:
    clock = dt.time.fromisoformat(hhmm)
    day = event.date + dt.timedelta(days=days)
    return dt.datetime.combine(day, clock, tzinfo=ZoneInfo(event.timezone)).astimezone(dt.UTC)


def book(session, event, n: int, hhmm: str, now=None):
    claim = Claim(f"Person {n}", phone(n), local(event, hhmm).isoformat(), True)
    booking, token = claim_slot(session, event, claim, now or local(event, "12:00", -2), CFG)
    session.commit()
    return booking, token


def texts(session, booking) -> dict[str, Message]:
    rows = session.scalars(select(Message).where(Message.booking_id == booking.id))
    return {m.kind: m for m in rows}


def test_the_evening_before_nothing_moves_and_the_answer_says_when(make, session):
    event = make.event(chairs=1, start_time="10:00", end_time="14:00")
    booking, _ = book(session, event, 1, "13:00")
    for status in ("checked_in", "no_show"):
        with pytest.raises(NotNow) as refused:
            set_status(session, booking, status, local(event, "20:00", -1), texts=CFG)
        assert "from 12:00 PM" in refused.value.detail or "from 1:00 PM" in refused.value.detail
        assert refused.value.status == 409 and refused.value.problem == "not-now"
    assert booking.status == "booked"
    with pytest.raises(NotNow, match="from 10:00 AM"):
        add_walk_in(session, event.chairs[0], "Eve", "", local(event, "20:00", -1))
    with pytest.raises(NotNow, match="closed"):
        add_walk_in(session, event.chairs[0], "Eve", "", local(event, "14:00"))


def test_completing_withdraws_reminder_and_up_next_in_the_same_transaction(make, session):
    event = make.event(chairs=1, start_time="09:30", end_time="14:00")
    booking, _ = book(session, event, 1, "09:50")
    assert {k: m.status for k, m in texts(session, booking).items()} == {
        "confirmation": "pending", "reminder": "pending", "up_next": "pending",
    }  # fmt: skip
    # Check-in opens an hour before the booking: here, before the 09:00 reminder went.
    set_status(session, booking, "checked_in", local(event, "08:55"), texts=CFG)
    assert texts(session, booking)["reminder"].status == "cancelled"
    assert texts(session, booking)["up_next"].status == "pending"
    set_status(session, booking, "in_service", local(event, "09:50"), texts=CFG)
    set_status(session, booking, "completed", local(event, "10:05"), texts=CFG)
    session.expire_all()
    sent = texts(session, booking)
    assert (sent["up_next"].status, sent["tips"].status) == ("cancelled", "pending")
    assert sent["tips"].send_at == local(event, "11:05")
    # One transaction: rolling back puts the texts back as they were, with the status.
    session.rollback()
    session.expire_all()
    assert texts(session, booking)["reminder"].status == "pending"
    assert "tips" not in texts(session, booking)


def test_a_no_show_withdraws_the_texts_still_to_go(make, session):
    event = make.event(chairs=1, start_time="10:00", end_time="14:00")
    booking, _ = book(session, event, 1, "10:40")
    set_status(session, booking, "no_show", local(event, "10:41"), texts=CFG)
    session.commit()
    sent = texts(session, booking)
    assert (sent["reminder"].status, sent["up_next"].status) == ("cancelled", "cancelled")
    assert sent["confirmation"].status == "pending"  # not withdrawn: it says how to stop


def test_the_lifecycle_job_closes_sign_up_then_completes_the_event_once(make, session):
    event = make.event(chairs=1, start_time="10:00", end_time="10:35")  # two slots
    first, _ = book(session, event, 1, "10:00")
    second, _ = book(session, event, 2, "10:20")
    a, _ = waitlist.join(
        session, event, waitlist.Joiner("Ann", phone(60), True), local(event, "09:00"), CFG
    )
    b, _ = waitlist.join(
        session, event, waitlist.Joiner("Ben", phone(61), True), local(event, "09:00"), CFG
    )
    session.commit()

    assert advance_events(session, local(event, "09:59")) == (0, 0)
    assert signup_open(event, local(event, "09:59"))
    assert advance_events(session, local(event, "10:00")) == (1, 0)
    session.commit()
    assert event.status == "closed" and not signup_open(event, local(event, "10:01"))
    # After sign-up closes, the people in line still get the chairs that free up.
    set_status(session, first, "no_show", local(event, "10:02"), texts=CFG)
    session.commit()
    session.refresh(a)
    assert a.status == "offered"
    offer = session.scalar(
        select(Message).where(Message.to == phone(60), Message.kind == "waitlist_offer")
    )
    set_status(session, second, "checked_in", local(event, "10:10"), texts=CFG)
    set_status(session, second, "in_service", local(event, "10:20"), texts=CFG)
    set_status(session, second, "completed", local(event, "10:35"), texts=CFG)
    session.commit()
    texts_before = session.scalar(select(func.count(Message.id)))

    assert advance_events(session, local(event, "23:59")) == (0, 0)
    assert advance_events(session, local(event, "00:00", 1)) == (0, 1)
    session.commit()
    assert advance_events(session, local(event, "00:01", 1)) == (0, 0)  # idempotent
    session.commit()
    session.refresh(a), session.refresh(b), session.refresh(offer)
    assert event.status == "completed"
    assert (a.status, b.status) == ("expired", "closed")
    assert offer.status in ("cancelled", "pending") and offer.status == "cancelled"
    assert texts(session, second)["tips"].status == "pending"  # tips still go
    assert session.scalar(select(func.count(Message.id))) == texts_before  # no new texts
    assert waitlist.tick(session, local(event, "09:00", 1), CFG) == 0
    with pytest.raises(EventConflict):
        update_details(session, event, {"title": "Renamed"}, None, local(event, "09:00", 1))


def test_a_tablet_lists_only_events_not_over_and_says_today_in_the_venues_zone(make, session):
    auckland = make.company(timezone="Pacific/Auckland", country="NZ")
    therapist = make.user("therapist")
    event = make.event(company=auckland, chairs=1)
    event.chairs[0].therapist = therapist
    session.commit()
    # 23:00 UTC the day before the event's UTC date... is the event's own day in Auckland.
    on_the_day = local(event, "12:00")
    tiles = therapist_chairs(session, therapist, on_the_day)
    assert [(t.chair.id, t.today) for t in tiles] == [(event.chairs[0].id, True)]
    assert therapist_chairs(session, therapist, local(event, "12:00", -1))[0].today is False
    assert therapist_chairs(session, therapist, local(event, "00:00", 1)) == []


def test_freeing_up_after_a_refer_screen_offers_the_chair_to_the_first_in_line(make, session):
    event = make.event(chairs=1, start_time="10:00", end_time="10:35")
    booking, token = book(session, event, 1, "10:00")
    book(session, event, 2, "10:20")
    first, _ = waitlist.join(
        session, event, waitlist.Joiner("Ann", phone(60), True), local(event, "08:00"), CFG
    )
    session.commit()
    with pytest.raises(ValidationError):
        free_up(session, booking, local(event, "09:00"), CFG)  # no refer screen: not this way
    submit_screen(session, booking, RED_FLAGS, local(event, "09:00"), token=token, texts=CFG)
    free_up(session, booking, local(event, "09:30"), CFG)
    session.commit()
    session.refresh(first)
    assert booking.status == "cancelled"
    assert (first.status, first.offered_slot_id) == ("offered", booking.slot_id)
    assert free_up(session, booking, local(event, "09:31"), CFG).status == "cancelled"  # twice
    assert next_event(session, booking, local(event, "09:31")) is None  # R1: urgent care


def test_a_reschedule_screen_links_the_companys_next_open_event(make, session):
    company = make.company()
    event = make.event(company=company, chairs=1)
    make.event(company=company, days_ahead=20, publish=False)  # a draft does not count
    later = make.event(company=company, days_ahead=30)
    make.event(days_ahead=10)  # another company's
    booking, token = book(session, event, 1, "10:00")
    submit_screen(session, booking, UNWELL, local(event, "09:00"), token=token, texts=CFG)
    session.commit()
    assert booking.screen.rule == "R2"
    assert next_event(session, booking, local(event, "09:00")).id == later.id
    assert session.scalar(select(func.count(WaitlistEntry.id))) == 0
