"""Claiming, moving and cancelling slots. The unique indexes decide every race."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import AlreadyBooked, BookingNotFound, SignupClosed, SlotTaken, ValidationError
from ..events.service import held_slot_ids, signup_open, time_options
from ..messaging import notify
from ..messaging.rules import allowed_countries
from ..models import ACTIVE_BOOKING_STATUSES, Booking, Chair, Event, Slot
from ..waitlist import service as waitlist
from .phones import parse_mobile

NAME_LIMIT = 80
EMAIL_LIMIT = 254


class Claim(NamedTuple):
    """What an attendee asks for; raw strings, validated by claim_slot."""

    name: object
    phone: object
    start: object
    sms_consent: object = False
    email: object = None


def hash_token(token: str) -> str:
    """The stored form of a secret token: attendee links, staff API tokens, invites."""
    return hashlib.sha256(token.encode()).hexdigest()


def booking_by_token(session: Session, token: str) -> Booking:
    """The booking behind a manage token, or BookingNotFound."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        raise BookingNotFound("This link does not match a booking.")
    digest = hash_token(token)
    booking = session.scalar(select(Booking).where(Booking.manage_token_hash == digest))
    if booking is None or not hmac.compare_digest(booking.manage_token_hash, digest):
        raise BookingNotFound("This link does not match a booking.")
    return booking


def parse_start(session: Session, event: Event, raw: object, now: dt.datetime) -> dt.datetime:
    """Match an ISO 8601 start to one of the event's start times that has not begun."""
    try:
        start = dt.datetime.fromisoformat(str(raw).strip())
    except ValueError as exc:
        raise ValidationError({"start": "Choose one of the listed times."}) from exc
    if start.tzinfo is None:
        raise ValidationError({"start": "Give the time with its UTC offset."})
    found = session.scalar(
        select(Slot.starts_at)
        .where(Slot.event_id == event.id, Slot.starts_at == start, Slot.starts_at > now)
        .limit(1)
    )
    if found is None:
        raise ValidationError({"start": "That is not one of this event's times, or it has passed."})
    return found


def validate_person(event: Event, claim: Claim) -> tuple[str, str, str | None]:
    errors: dict[str, str] = {}
    name = claim.name.strip() if isinstance(claim.name, str) else ""
    if not name:
        errors["name"] = "Tell us your name."
    elif len(name) > NAME_LIMIT:
        errors["name"] = f"Keep your name to {NAME_LIMIT} characters."
    phone = ""
    try:
        company = event.company
        phone = parse_mobile(
            claim.phone, company.country, allowed_countries(company.country, company.sms_countries)
        )
    except ValueError as exc:
        errors["phone"] = str(exc)
    email = claim.email.strip() if isinstance(claim.email, str) and claim.email.strip() else None
    if email and (len(email) > EMAIL_LIMIT or "@" not in email):
        errors["email"] = "That email address does not look right."
    if claim.email is not None and not isinstance(claim.email, str):
        errors["email"] = "That email address does not look right."
    if not isinstance(claim.sms_consent, bool):
        errors["sms_consent"] = "Say yes or no to texts."
    if errors:
        raise ValidationError(errors)
    return name, phone, email


def claim_slot(
    session: Session,
    event: Event,
    claim: Claim,
    now: dt.datetime,
    texts: notify.TextSettings | None = None,
) -> tuple[Booking, str]:
    """Book a free chair at the chosen start; return the booking and its one-time manage token."""
    if not signup_open(event, now):
        raise SignupClosed("Sign-up for this event is closed.")
    errors: dict[str, str] = {}
    try:
        name, phone, email = validate_person(event, claim)
    except ValidationError as exc:
        errors |= exc.errors
    try:
        start = parse_start(session, event, claim.start, now)
    except ValidationError as exc:
        errors |= exc.errors
    if errors:
        raise ValidationError(errors)
    # No "already booked?" query first: the unique index answers that inside _seat.
    booking, token = new_booking(
        event, name, phone, now, sms_consent=claim.sms_consent, email=email
    )
    if not _seat(session, event, booking, start, now):
        if booking.phone_key and holds_booking(session, event.id, booking.phone_key):
            raise AlreadyBooked("This number already has a booking at this event.")
        raise SlotTaken(
            "Someone just took the last chair at that time.",
            next_times=_nearest(session, event, start, now),
        )
    # Booking a time yourself takes you off this event's waitlist (and passes on any offer).
    if waitlist.left_for_booking(session, event.id, phone, now) and texts:
        waitlist.offer_free_slots(session, event, now, texts)
    if texts:
        notify.booked(session, booking, token, texts, now)
    return booking, token


def new_booking(
    event: Event,
    name: str,
    phone: str | None,
    now: dt.datetime,
    sms_consent: bool = False,
    email: str | None = None,
    walk_in: bool = False,
) -> tuple[Booking, str]:
    """An unseated booking and its one-time manage token (only the token's hash is kept)."""
    token = secrets.token_urlsafe(32)
    booking = Booking(
        event_id=event.id,
        name=name,
        phone=phone,
        phone_key=phone if phone and event.one_booking_per_person else None,
        email=email,
        sms_consent=bool(phone) and sms_consent,
        sms_consent_at=now if phone and sms_consent else None,
        status="booked",
        manage_token_hash=hash_token(token),
        walk_in=walk_in,
        created_at=now,
        status_changed_at=now,
    )
    return booking, token


def move_booking(
    session: Session,
    booking: Booking,
    raw_start: object,
    now: dt.datetime,
    token: str | None = None,
    texts: notify.TextSettings | None = None,
) -> Booking:
    """Move an active booking to a free chair at another start; the manage link stays the same."""
    event = booking.event
    if booking.status != "booked":
        raise ValidationError({"start": "Only an upcoming booking can be moved."})
    if not signup_open(event, now):
        raise SignupClosed("Changes to this event are closed.")
    start = parse_start(session, event, raw_start, now)
    if start == booking.slot.starts_at:
        return booking
    if not _seat(session, event, booking, start, now):
        raise SlotTaken(
            "That time just filled up.", next_times=_nearest(session, event, start, now)
        )
    booking.revision = (booking.revision or 0) + 1
    session.flush()
    session.refresh(booking, ["slot"])
    if texts and token:
        notify.moved(session, booking, token, texts, now)
    if texts:
        waitlist.offer_free_slots(session, event, now, texts)  # the old time is free
    return booking


def cancel_booking(
    session: Session,
    booking: Booking,
    now: dt.datetime,
    texts: notify.TextSettings | None = None,
) -> Booking:
    """Cancel a booking; cancelling twice is harmless. Started sessions cannot be cancelled.

    The freed chair is offered to the first person on the waitlist.
    """
    if booking.status == "cancelled":
        return booking
    if booking.status not in ("booked", "checked_in"):
        raise ValidationError({"status": "This booking can no longer be cancelled."})
    booking.status = "cancelled"
    booking.status_changed_at = now
    notify.cancelled(session, booking)
    session.flush()
    if texts:
        waitlist.offer_free_slots(session, booking.event, now, texts)
    return booking


def holds_booking(session: Session, event_id: int, phone: str) -> bool:
    return (
        session.scalar(
            select(func.count(Booking.id)).where(
                Booking.event_id == event_id,
                Booking.phone_key == phone,
                Booking.status.in_(ACTIVE_BOOKING_STATUSES),
            )
        )
        > 0
    )


def _seat(
    session: Session, event: Event, booking: Booking, start: dt.datetime, now: dt.datetime
) -> bool:
    """Seat the booking at `start`, least-used chair first."""
    return seat_in_first_free(
        session, booking, _free_slots_by_chair_load(session, event, start, now)
    )


def seat_in_first_free(session: Session, booking: Booking, slot_ids: list[int]) -> bool:
    """Put the booking in the first of these slots still free; the unique index settles races."""
    for slot_id in slot_ids:
        try:
            with session.begin_nested():
                booking.slot_id = slot_id
                session.add(booking)
                session.flush()
            return True
        except IntegrityError:
            if booking.phone_key and holds_booking(session, booking.event_id, booking.phone_key):
                raise AlreadyBooked("This number already has a booking at this event.") from None
    return False


def active_slot_ids(event_id: int):
    """A subquery of the slots that hold an active booking."""
    return select(Booking.slot_id).where(
        Booking.event_id == event_id, Booking.status.in_(ACTIVE_BOOKING_STATUSES)
    )


def _free_slots_by_chair_load(
    session: Session, event: Event, start: dt.datetime, now: dt.datetime
) -> list[int]:
    active = active_slot_ids(event.id)
    load = (
        select(Slot.chair_id, func.count().label("n"))
        .where(Slot.id.in_(active))
        .group_by(Slot.chair_id)
        .subquery()
    )
    rows = session.execute(
        select(Slot.id)
        .join(Chair, Chair.id == Slot.chair_id)
        .outerjoin(load, load.c.chair_id == Slot.chair_id)
        .where(
            Slot.event_id == event.id,
            Slot.starts_at == start,
            Slot.id.not_in(active),
            Slot.id.not_in(held_slot_ids(event.id, now)),  # kept for an open waitlist offer
        )
        .order_by(func.coalesce(load.c.n, 0), Chair.number)
    )
    return list(rows.scalars())


def _nearest(session: Session, event: Event, start: dt.datetime, now: dt.datetime, limit: int = 6):
    """Free times after the wanted one first, then the latest earlier ones."""
    free = [o for o in time_options(session, event, now) if o.available > 0]
    later = [o for o in free if o.start > start]
    earlier = [o for o in free if o.start < start][::-1]
    return sorted((later + earlier)[:limit], key=lambda o: o.start)
