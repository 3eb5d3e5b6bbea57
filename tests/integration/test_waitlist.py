"""The waitlist on SQLite and PostgreSQL: offers go in line order, are held, expire, pass on."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from chairops import waitlist
from chairops.booking.service import (
    Claim,
    cancel_booking,
    claim_slot,
    claim_without_transaction,
    move_booking,
)
from chairops.errors import (
    AlreadyBooked,
    AlreadyWaiting,
    OfferGone,
    SlotTaken,
    ValidationError,
    WaitlistClosed,
)
from chairops.events.changes import cancel_event, change_schedule
from chairops.events.service import add_missing_slots
from chairops.messaging.notify import TextSettings
from chairops.models import Booking, Chair, Message, OptOut, Slot, WaitlistEntry
from chairops.seating.availability import time_options
from chairops.tablet.service import set_status
from tests.factories import phone

CFG = TextSettings("https://chairops.example", "chairops", offer_minutes=10)


@pytest.fixture(autouse=True)
def _both(backend):
    return backend


def local(event, hh: int, mm: int = 0) -> dt.datetime:
    """A moment on the event's day, in its zone, as UTC."""
    moment = dt.datetime.combine(event.date, dt.time(hh, mm), tzinfo=ZoneInfo(event.timezone))
    return moment.astimezone(dt.UTC)


def full_event(make, session, slots: int = 2):
    """A published one-chair event whose `slots` slots are all booked (attendees 1..slots)."""
    end = (dt.datetime(2000, 1, 1, 10) + dt.timedelta(minutes=20 * slots - 5)).time()
    event = make.event(chairs=1, start_time="10:00", end_time=end.strftime("%H:%M"))
    bookings = [make.booking(event, n, name=f"Booked {n}")[0] for n in range(1, slots + 1)]
    assert not any(o.available for o in time_options(session, event))
    return event, bookings


def join(session, event, n: int, now, name: str | None = None):
    entry, token = waitlist.join(
        session, event, waitlist.Joiner(name or f"Waiting {n}", phone(n), True), now, CFG
    )
    session.commit()
    return entry, token


class Offered(NamedTuple):
    event: object
    freed: Booking  # the cancelled booking whose chair is on offer
    line: list[WaitlistEntry]
    now: dt.datetime


def cancel_with_line(make, session, people: int = 2) -> Offered:
    """A full event, `people` in line (numbers 60...), then the first booking is cancelled."""
    event, (first, _) = full_event(make, session)
    now = local(event, 9, 30)
    line = [join(session, event, 60 + n, now)[0] for n in range(people)]
    cancel_booking(session, first, now, texts=CFG)
    session.commit()
    for entry in line:
        session.refresh(entry)
    return Offered(event, first, line, now)


def add_chair_quietly(session, event) -> None:
    """A second chair and its slots, without offering them (as the clock would, later)."""
    event.chairs.append(Chair(number=2, label="Chair 2", breaks=[]))
    event.chairs_count = 2
    session.flush()
    add_missing_slots(session, event)


def offers_to(session, number: str) -> list[Message]:
    return list(
        session.scalars(
            select(Message)
            .where(Message.to == number, Message.kind == "waitlist_offer")
            .order_by(Message.id)
        )
    )


def test_joining_needs_a_full_event_consent_and_a_new_number(make, session):
    event = make.event(chairs=1, start_time="10:00", end_time="10:15")
    now = local(event, 8)
    with pytest.raises(WaitlistClosed):
        join(session, event, 50, now)
    make.booking(event, 1)
    with pytest.raises(ValidationError) as refused:
        waitlist.join(session, event, waitlist.Joiner("", "12", False), now, CFG)
    assert set(refused.value.errors) == {"name", "phone", "sms_consent"}
    with pytest.raises(AlreadyBooked):
        join(session, event, 1, now)
    session.rollback()
    entry, token = join(session, event, 50, now)
    with pytest.raises(AlreadyWaiting):
        join(session, event, 50, now)
    session.rollback()
    assert waitlist.entry_by_token(session, token).id == entry.id
    joined = session.scalar(select(Message).where(Message.to == phone(50)))
    assert joined.kind == "confirmation"
    assert "number 1 in line" in joined.body and "/w/" in joined.body


def test_a_cancellation_offers_the_chair_to_the_first_in_line_and_holds_it(make, session):
    event, first, (a, b), now = cancel_with_line(make, session)

    assert (a.status, a.offered_slot_id) == ("offered", first.slot_id)
    assert a.offer_expires_at == now + dt.timedelta(minutes=10)
    assert b.status == "waiting"
    (offer,) = offers_to(session, phone(60))
    assert offer.valid_until == a.offer_expires_at
    assert "10:00 AM" in offer.body and "chair 1" in offer.body and "9:40 AM" in offer.body
    assert "/w/" in offer.body and len(offer.body) <= 320
    assert offers_to(session, phone(61)) == []
    # Held for the offer: nobody else sees it free or can take it.
    assert not any(o.available for o in time_options(session, event, now))
    with pytest.raises(SlotTaken):
        claim_slot(
            session, event, Claim("Quick", phone(70), first.slot.starts_at.isoformat(), True), now
        )
    session.rollback()


def test_claiming_an_offer_books_that_chair_and_texts_a_confirmation(make, session):
    _, first, (a,), now = cancel_with_line(make, session, people=1)

    booking, token = waitlist.claim_offer(session, a, now + dt.timedelta(minutes=3), CFG)
    session.commit()

    assert (booking.slot_id, booking.status, booking.phone) == (first.slot_id, "booked", phone(60))
    assert (a.status, a.booking_id) == ("booked", booking.id)
    kinds = set(session.scalars(select(Message.kind).where(Message.booking_id == booking.id)))
    assert "confirmation" in kinds
    with pytest.raises(OfferGone, match="already claimed"):
        waitlist.claim_offer(session, a, now + dt.timedelta(minutes=4), CFG)


def test_an_expired_offer_passes_to_the_next_in_line(make, session):
    event, first, (a, b), now = cancel_with_line(make, session)

    assert waitlist.tick(session, now + dt.timedelta(minutes=5), CFG) == 0  # not yet
    later = now + dt.timedelta(minutes=10, seconds=1)
    assert waitlist.tick(session, later, CFG) == 1
    session.commit()

    session.refresh(a), session.refresh(b)
    assert a.status == "expired"
    assert (b.status, b.offered_slot_id) == ("offered", first.slot_id)
    assert len(offers_to(session, phone(61))) == 1
    with pytest.raises(OfferGone, match="ran out"):
        waitlist.claim_offer(session, a, later, CFG)
    session.rollback()


def test_declining_or_leaving_passes_the_offer_on(make, session):
    _, first, (a, b, c), now = cancel_with_line(make, session, people=3)
    waitlist.decline(session, a, now, CFG)
    session.refresh(b)
    assert (a.status, b.status) == ("declined", "offered")
    waitlist.leave(session, b, now, CFG)
    session.commit()
    session.refresh(c)
    assert (b.status, c.status, c.offered_slot_id) == ("left", "offered", first.slot_id)


@pytest.mark.parametrize("as_requests_do", [False, True])
def test_a_waitlisted_person_who_books_elsewhere_leaves_the_list(make, session, as_requests_do):
    """Also as the API and the phone page claim, from autocommit mode, which claim_slot leaves
    for the offers (they take savepoints)."""

    def claim(name, number, start, texts=None):
        if as_requests_do:
            session.commit()
            claim_without_transaction(session)
        claim_slot(session, event, Claim(name, phone(number), start.isoformat(), True), now, texts)

    event, first, (a, b, c), now = cancel_with_line(make, session, people=3)  # a's, held
    # A chair is added (without offers yet): b books one of its times by themselves.
    add_chair_quietly(session, event)
    free = next(o.start for o in time_options(session, event, now) if o.available)
    claim("Waiting 61", 61, free)
    session.refresh(b)
    assert b.status == "left"
    # a books a free time themselves: a's offer is released and goes to c.
    free = next(o.start for o in time_options(session, event, now) if o.available)
    claim("Waiting 60", 60, free, CFG)
    session.commit()
    session.refresh(a), session.refresh(c)
    assert a.status == "left"
    assert (c.status, c.offered_slot_id) == ("offered", first.slot_id)


def test_a_no_show_frees_the_chair_now_on_the_event_day(make, session):
    event, (first, second) = full_event(make, session)
    a, _ = join(session, event, 60, local(event, 9))
    now = local(event, 10, 3)  # the first slot has begun and nobody came
    set_status(session, first, "no_show", now, texts=CFG)
    session.commit()
    session.refresh(a)
    assert (a.status, a.offered_slot_id) == ("offered", first.slot_id)
    # The slot ends at 10:15: the offer is cut short so there is time to walk over.
    assert a.offer_expires_at == local(event, 10, 10)
    (offer,) = offers_to(session, phone(60))
    assert "chair 1 is free now" in offer.body and "10:10 AM" in offer.body


def test_a_slot_with_too_little_left_is_not_offered(make, session):
    event, (first, _) = full_event(make, session)
    join(session, event, 60, local(event, 9))
    set_status(session, first, "no_show", local(event, 10, 10), texts=CFG)
    session.commit()
    assert offers_to(session, phone(60)) == []


def test_offers_wait_for_texting_hours_unless_the_chair_is_needed_soon(make, session):
    event, (first, _) = full_event(make, session)
    night = local(event, 6, 0)  # 4 hours before the slot: wait until 09:00
    a, _ = join(session, event, 60, night)
    cancel_booking(session, first, night, texts=CFG)
    session.commit()
    session.refresh(a)
    assert a.status == "waiting"
    assert waitlist.tick(session, local(event, 9, 0), CFG) == 1
    session.refresh(a)
    assert a.status == "offered"


def test_opted_out_numbers_are_skipped(make, session):
    event, (first, _) = full_event(make, session)
    now = local(event, 9, 30)
    stopped, _ = join(session, event, 60, now)
    keen, _ = join(session, event, 61, now)
    session.add(OptOut(phone=phone(60), source="stop_reply"))
    cancel_booking(session, first, now, texts=CFG)
    session.commit()
    session.refresh(keen), session.refresh(stopped)
    assert stopped.status == "waiting" and keen.offered_slot_id == first.slot_id
    assert offers_to(session, phone(60)) == []


def test_a_move_offers_the_old_time(make, session):
    event, (first, second) = full_event(make, session)
    now = local(event, 9, 30)
    a, _ = join(session, event, 60, now)
    add_chair_quietly(session, event)
    old_slot, moved_to = first.slot_id, second.slot.starts_at
    move_booking(session, first, moved_to.isoformat(), now, texts=CFG)
    session.commit()
    session.refresh(a)
    assert first.slot.starts_at == moved_to
    assert (a.status, a.offered_slot_id) == ("offered", old_slot)


def test_the_line_count_and_place(make, session):
    event, _ = full_event(make, session)
    now = local(event, 9)
    entries = [join(session, event, n, now)[0] for n in (60, 61, 62)]
    assert [waitlist.place_of(session, e, now).in_line for e in entries] == [1, 2, 3]
    waitlist.leave(session, entries[0], now, CFG)
    assert waitlist.place_of(session, entries[2], now).in_line == 2
    assert waitlist.live_count(session, event.id) == 2
    assert session.scalar(select(func.count(Slot.id)).where(Slot.event_id == event.id)) == 2
    assert session.scalar(select(func.count(Booking.id))) == 2
    assert session.scalar(select(func.count(WaitlistEntry.id))) == 3


def test_added_chairs_go_to_the_waitlist_and_removed_ones_withdraw_their_offer(make, session):
    event, (first, second) = full_event(make, session)
    coordinator = make.user(role="coordinator", company=event.company)
    now = local(event, 9, 30)
    a, _ = join(session, event, 60, now)
    b, _ = join(session, event, 61, now)
    c, _ = join(session, event, 62, now)

    change_schedule(session, event, {"chairs": 2}, coordinator, now, texts=CFG)
    session.commit()
    session.refresh(a), session.refresh(b), session.refresh(c)
    assert (a.status, b.status, c.status) == ("offered", "offered", "waiting")
    chair_two = {a.offered_slot_id, b.offered_slot_id}

    change_schedule(session, event, {"chairs": 1}, coordinator, now, texts=CFG)
    session.commit()
    session.refresh(a), session.refresh(b)
    assert (a.status, b.status) == ("waiting", "waiting")
    assert (
        a.offered_slot_id is None
        and not session.scalars(select(Slot).where(Slot.id.in_(chair_two))).all()
    )


def test_cancelling_the_event_closes_its_waitlist(make, session):
    event, _ = full_event(make, session)
    coordinator = make.user(role="coordinator", company=event.company)
    now = local(event, 9)
    a, _ = join(session, event, 60, now)
    cancel_event(session, event, coordinator, now, CFG)
    session.commit()
    session.refresh(a)
    assert a.status == "closed"
    assert waitlist.place_of(session, a, now).in_line is None


def test_an_offer_that_lost_its_slot_hides_no_free_time(make, session):
    _, first, (a,), now = cancel_with_line(make, session, people=1)
    event = make.event(chairs=1)
    stray = WaitlistEntry(
        event_id=event.id, name="Stray", phone=phone(99), sms_consent_at=now, position=1,
        status="offered", token_hash="f" * 64, offered_slot_id=None,
        offer_expires_at=now + dt.timedelta(hours=1),
    )  # fmt: skip
    session.add(stray)
    session.commit()
    assert any(o.available for o in time_options(session, event, now))
