"""Putting a person in a chair: who they are, a new booking, and seating it where it still fits."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import AlreadyBooked, ValidationError
from ..messaging.rules import allowed_countries
from ..models import ACTIVE_BOOKING_STATUSES, Booking, Event
from ..phones import parse_mobile
from ..tokens import hash_token

NAME_LIMIT = 80
EMAIL_LIMIT = 254


class Claim(NamedTuple):
    """What an attendee asks for; raw strings, validated by claim_slot."""

    name: object
    phone: object
    start: object
    sms_consent: object = False
    email: object = None


def validate_person(event: Event, claim: Claim) -> tuple[str, str, str | None]:
    """The claim's name, E.164 phone and email, or a ValidationError naming each bad field."""
    errors: dict[str, str] = {}
    name = claim.name.strip() if isinstance(claim.name, str) else ""
    if not name:
        errors["name"] = "Tell us your name."
    elif len(name) > NAME_LIMIT:
        errors["name"] = f"Keep your name to {NAME_LIMIT} characters."
    phone = ""
    try:
        company = event.company
        allowed = allowed_countries(company.country, company.sms_countries)
        phone = parse_mobile(claim.phone, company.country, allowed)
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


def holds_booking(session: Session, event_id: int, phone: str) -> bool:
    """Whether this number already holds an active booking at the event."""
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
