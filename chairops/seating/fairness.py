"""Fair share at programme dates, read from the bookings: who the priority window holds back now,
and who has had their massages for the month. The claim path and the waitlist ask this module.

It reads only models, so booking and the waitlist never import the programmes package above them.
The window depends on the clock and on another date's bookings, so the service enforces it (no
constraint can); the per-date count of people turned away has a unique key, and the monthly cap
takes a PostgreSQL advisory lock per programme and number so two taps cannot both pass it.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import MonthlyCapReached, PriorityWindow
from ..formatting import in_zone
from ..models import Booking, Event, PriorityTurnaway, Programme
from ..tokens import hash_token
from . import rules

# The previous date is the latest earlier one that took bookings (a cancelled date gave no turns).
COUNTED_EVENTS = ("published", "closed", "completed")


def programme_of(session: Session, event: Event) -> Programme | None:
    return session.get(Programme, event.programme_id) if event.programme_id else None


def window_end(session: Session, event: Event, now: dt.datetime) -> dt.datetime | None:
    """When the event's priority window ends, while it is open; else None."""
    programme = programme_of(session, event)
    if programme is None or event.status != "published":
        return None
    return rules.priority_window_end(now, event.signup_opens_at, programme.priority_hours)


def previous_event_id(event: Event):
    """A scalar subquery: the programme's latest earlier date that took bookings."""
    return (
        select(Event.id)
        .where(
            Event.programme_id == event.programme_id,
            Event.date < event.date,
            Event.status.in_(COUNTED_EVENTS),
        )
        .order_by(Event.date.desc())
        .limit(1)
        .scalar_subquery()
    )


def previous_turn_phones(event: Event):
    """A subquery of the numbers that had a turn at the programme's previous date."""
    return select(Booking.phone).where(
        Booking.event_id == previous_event_id(event),
        Booking.status.in_(rules.TURN_STATUSES),
        Booking.phone.is_not(None),  # a NULL would make NOT IN match nobody
    )


def held_back(session: Session, event: Event, phone: str, now: dt.datetime) -> dt.datetime | None:
    """When this number may book, if the priority window holds it back right now; else None."""
    end = window_end(session, event, now)
    if end is None or not phone:
        return None
    had = session.scalar(previous_turn_phones(event).where(Booking.phone == phone).limit(1))
    return end if had is not None else None


def held_back_phones(session: Session, event: Event, now: dt.datetime):
    """A subquery of every number the priority window holds back now, or None outside it."""
    if window_end(session, event, now) is None:
        return None
    return previous_turn_phones(event)


def check_turn(session: Session, event: Event, phone: str, now: dt.datetime) -> None:
    """Refuse a claim the priority window or the monthly cap does not allow; count the refused."""
    end = held_back(session, event, phone, now)
    if end is not None:
        record_turnaway(session, event, phone, now)
        when = in_zone(end, event.timezone)
        raise PriorityWindow(
            "You had a massage at the last date, so the first hours of this one go to people "
            f"who did not. You can book from {when.strftime('%a %-d %b at %-I:%M %p')}.",
            ends_at=end,
            timezone=event.timezone,
        )
    check_cap(session, event, phone)


def check_cap(session: Session, event: Event, phone: str) -> None:
    """Refuse a number that has had the programme's cap of massages in this calendar month."""
    programme = programme_of(session, event)
    if programme is None or programme.monthly_cap is None or not phone:
        return
    _serialize(session, f"cap:{programme.id}:{phone}")
    first, last = rules.month_bounds(event.date)
    same_month = select(Event.id).where(
        Event.programme_id == programme.id,
        Event.date.between(first, last),
        Event.id != event.id,
    )
    turns = session.scalar(
        select(func.count(Booking.id)).where(
            Booking.event_id.in_(same_month),
            Booking.phone == phone,
            Booking.status.in_(rules.TURN_STATUSES),
        )
    )
    if rules.over_cap(turns or 0, programme.monthly_cap):
        raise MonthlyCapReached(
            f"This programme allows {programme.monthly_cap} massage"
            f"{'' if programme.monthly_cap == 1 else 's'} a month per person, and this number "
            "has had them. See you next month."
        )


def _serialize(session: Session, key: str) -> None:
    """On PostgreSQL, one claim at a time per key until commit, so two taps cannot pass a cap.

    SQLite (the embedded single-process default) has no such lock: there two taps at the same
    instant could both pass the cap. The count of turns, not a constraint, is what a cap is.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    number = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), signed=True)
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": number})


def record_turnaway(session: Session, event: Event, phone: str, now: dt.datetime) -> None:
    """Count a number refused by the priority window, once per date (attempts add up)."""
    digest = hash_token(phone)
    seen = session.execute(
        update(PriorityTurnaway)
        .where(PriorityTurnaway.event_id == event.id, PriorityTurnaway.phone_hash == digest)
        .values(attempts=PriorityTurnaway.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if seen:
        return
    try:
        with session.begin_nested():
            session.add(PriorityTurnaway(event_id=event.id, phone_hash=digest, first_at=now))
            session.flush()
    except IntegrityError:
        pass  # the same number was refused a moment ago in another request: counted once
