"""Claiming, moving and cancelling slots. The unique indexes decide every race."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from .. import waitlist
from ..errors import (
    AlreadyBooked,
    BookingNotFound,
    EventNotFound,
    SignupClosed,
    SlotTaken,
    ValidationError,
    WalkUpEvent,
)
from ..messaging import notify
from ..models import Booking, Event, Slot
from ..seating.availability import free_slots_by_chair_load, signup_open, time_options
from ..seating.seats import (
    Claim,
    holds_booking,
    new_booking,
    seat_in_first_free,
    validate_person,
)
from ..tokens import hash_token, same_hash


def event_by_share_token(session: Session, token: str) -> Event:
    """The event behind a sign-up link, or EventNotFound."""
    event = session.scalar(
        select(Event).options(joinedload(Event.company)).where(Event.share_token == token)
    )
    if event is None or event.status == "draft":
        raise EventNotFound("No event matches this link. Check the link you were sent.")
    return event


def booking_by_token(session: Session, token: str) -> Booking:
    """The booking behind a manage token, or BookingNotFound."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        raise BookingNotFound("This link does not match a booking.")
    digest = hash_token(token)
    booking = session.scalar(select(Booking).where(Booking.manage_token_hash == digest))
    if booking is None or not same_hash(booking.manage_token_hash, digest):
        raise BookingNotFound("This link does not match a booking.")
    return booking


def screen_open(booking: Booking, now: dt.datetime) -> bool:
    """Attendees may take or retake the screen until their slot starts."""
    return booking.status == "booked" and now < booking.slot.starts_at


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


def claim_slot(
    session: Session,
    event: Event,
    claim: Claim,
    now: dt.datetime,
    texts: notify.TextSettings | None = None,
) -> tuple[Booking, str]:
    """Book a free chair at the chosen start; return the booking and its one-time manage token."""
    if event.kind == "line":
        raise WalkUpEvent("This event is first come, first served: join the line instead.")
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


def _seat(
    session: Session, event: Event, booking: Booking, start: dt.datetime, now: dt.datetime
) -> bool:
    """Seat the booking at `start`, least-used chair first."""
    return seat_in_first_free(
        session, booking, free_slots_by_chair_load(session, event, start, now)
    )


def _nearest(session: Session, event: Event, start: dt.datetime, now: dt.datetime, limit: int = 6):
    """Free times after the wanted one first, then the latest earlier ones."""
    free = [o for o in time_options(session, event, now) if o.available > 0]
    later = [o for o in free if o.start > start]
    earlier = [o for o in free if o.start < start][::-1]
    return sorted((later + earlier)[:limit], key=lambda o: o.start)
