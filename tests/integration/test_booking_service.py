"""Claiming, moving and cancelling against a real database (SQLite and PostgreSQL)."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from chairops.booking.service import (
    Claim,
    booking_by_token,
    cancel_booking,
    claim_slot,
    move_booking,
)
from chairops.errors import AlreadyBooked, BookingNotFound, SignupClosed, SlotTaken, ValidationError
from chairops.models import Booking, utcnow
from chairops.seating.availability import time_options
from chairops.tokens import hash_token
from tests.factories import phone

pytestmark = pytest.mark.usefixtures("backend")


def claim(session, event, n, start, consent=True):
    booking, token = claim_slot(
        session, event, Claim(f"Person {n}", phone(n), start.isoformat(), consent), utcnow()
    )
    session.commit()
    return booking, token


def test_claim_stores_e164_phone_hashed_token_and_consent_time(make, session):
    event = make.event()
    start = time_options(session, event, utcnow())[0].start
    booking, token = claim_slot(
        session, event, Claim("  Sam  ", "(202) 555-0101", start.isoformat(), True), utcnow()
    )
    session.commit()
    assert (booking.name, booking.phone, booking.status) == ("Sam", "+12025550101", "booked")
    assert booking.manage_token_hash == hash_token(token) != token
    assert booking.sms_consent and booking.sms_consent_at is not None
    assert booking.slot.starts_at == start
    assert booking_by_token(session, token).id == booking.id


def test_claims_spread_over_chairs_and_the_last_chair_is_then_taken(make, session):
    event = make.event(chairs=3)
    start = time_options(session, event, utcnow())[2].start
    chairs = [claim(session, event, n, start)[0].slot.chair.number for n in range(3)]
    assert sorted(chairs) == [1, 2, 3]
    with pytest.raises(SlotTaken) as caught:
        claim(session, event, 99, start)
    nearest = caught.value.next_times
    assert nearest and start not in [o.start for o in nearest]
    assert all(o.available > 0 for o in nearest)


def test_the_least_used_chair_is_chosen(make, session):
    event = make.event(chairs=2)
    first, second = time_options(session, event, utcnow())[:2]
    chair_a = claim(session, event, 1, first.start)[0].slot.chair.number
    chair_b = claim(session, event, 2, second.start)[0].slot.chair.number
    assert chair_a != chair_b


def test_same_phone_twice_is_already_booked(make, session):
    event = make.event()
    first, second = time_options(session, event, utcnow())[:2]
    claim(session, event, 7, first.start)
    with pytest.raises(AlreadyBooked):
        claim(session, event, 7, second.start)
    assert session.scalar(select(func.count(Booking.id))) == 1


def test_after_cancelling_the_same_phone_may_book_again(make, session):
    event = make.event()
    first, second = time_options(session, event, utcnow())[:2]
    booking, _ = claim(session, event, 7, first.start)
    cancel_booking(session, booking, utcnow())
    session.commit()
    assert claim(session, event, 7, second.start)[0].status == "booked"


def test_an_event_allowing_several_bookings_per_person_accepts_a_second(make, session):
    event = make.event()
    event.one_booking_per_person = False
    session.commit()
    first, second = time_options(session, event, utcnow())[:2]
    claim(session, event, 7, first.start)
    assert claim(session, event, 7, second.start)[0].phone_key is None


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 81}, "name"),
        ({"phone": "555"}, "phone"),
        ({"phone": "+1 800 555 0100"}, "phone"),
        ({"phone": None}, "phone"),
        ({"start": "tomorrow"}, "start"),
        ({"start": "2030-01-01T10:00:00+00:00"}, "start"),
        ({"start": "2030-01-01T10:00:00"}, "start"),
        ({"sms_consent": "yes"}, "sms_consent"),
        ({"email": "no-at-sign"}, "email"),
    ],
)
def test_bad_claims_name_the_field_and_store_nothing(make, session, fields, bad):
    event = make.event()
    start = time_options(session, event, utcnow())[0].start.isoformat()
    raw = {"name": "Sam", "phone": "2025550101", "start": start, "sms_consent": True, **fields}
    with pytest.raises(ValidationError) as caught:
        claim_slot(session, event, Claim(**raw), utcnow())
    assert bad in caught.value.errors
    session.rollback()
    assert session.scalar(select(func.count(Booking.id))) == 0


def test_a_past_start_is_not_claimable(make, session):
    event = make.event()
    first = time_options(session, event, utcnow())[0]
    later = first.start + dt.timedelta(minutes=1)
    # Sign-up closes when the event opens unless the event sets its own closing (issue 11):
    # keep it open past the first start, so the start itself is what refuses the claim.
    event.signup_closes_at = first.start + dt.timedelta(hours=1)
    with pytest.raises(ValidationError):
        claim_slot(session, event, Claim("Sam", phone(1), first.start.isoformat(), True), later)


def test_drafts_and_closed_sign_up_refuse_claims(make, session):
    event = make.event(publish=False)
    start = time_options(session, event, utcnow())[0].start.isoformat()
    with pytest.raises(SignupClosed):
        claim_slot(session, event, Claim("Sam", phone(1), start, True), utcnow())
    event.status = "published"
    event.signup_closes_at = utcnow() - dt.timedelta(minutes=1)
    with pytest.raises(SignupClosed):
        claim_slot(session, event, Claim("Sam", phone(1), start, True), utcnow())


def test_move_keeps_the_booking_and_token_and_frees_the_old_slot(make, session):
    event = make.event(chairs=1)
    first, second = time_options(session, event, utcnow())[:2]
    booking, token = claim(session, event, 1, first.start)
    move_booking(session, booking, second.start.isoformat(), utcnow())
    session.commit()
    assert booking_by_token(session, token).slot.starts_at == second.start
    assert claim(session, event, 2, first.start)[0].slot.starts_at == first.start


def test_move_to_a_full_time_is_slot_taken_and_keeps_the_old_slot(make, session):
    event = make.event(chairs=1)
    first, second = time_options(session, event, utcnow())[:2]
    mine, _ = claim(session, event, 1, first.start)
    claim(session, event, 2, second.start)
    with pytest.raises(SlotTaken):
        move_booking(session, mine, second.start.isoformat(), utcnow())
    session.rollback()
    assert session.get(Booking, mine.id).slot.starts_at == first.start


def test_cancel_is_repeatable_and_frees_the_chair(make, session):
    event = make.event(chairs=1)
    start = time_options(session, event, utcnow())[0].start
    booking, _ = claim(session, event, 1, start)
    cancel_booking(session, booking, utcnow())
    cancel_booking(session, booking, utcnow())
    session.commit()
    assert booking.status == "cancelled"
    assert time_options(session, event, utcnow())[0].available == 1


def test_unknown_tokens_are_not_found(make, session):
    with pytest.raises(BookingNotFound):
        booking_by_token(session, "x" * 43)
    with pytest.raises(BookingNotFound):
        booking_by_token(session, "short")
