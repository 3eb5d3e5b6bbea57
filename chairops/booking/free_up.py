"""Freeing a chair after a "no massage today" screen: a kind cancellation, so the chair goes to
the waitlist as any cancellation does, and where to book another day. The reason stays private:
to the coordinator it is an ordinary cancellation."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import ValidationError
from ..messaging import notify
from ..models import Booking, Event
from ..seating.availability import signup_open
from .service import cancel_booking

# The screen rule that means "reschedule, or get clearance first": another day is worth a link.
RESCHEDULE_RULE = "R2"


def may_free_up(booking: Booking) -> bool:
    """An active booking whose screen said no massage today."""
    screen = booking.screen
    return bool(screen) and screen.routine == "refer" and booking.status in ("booked", "checked_in")


def free_up(
    session: Session, booking: Booking, now: dt.datetime, texts: notify.TextSettings | None
) -> Booking:
    """Give the chair back: cancelled like any booking, the waitlist's first person offered it."""
    if booking.status == "cancelled":
        return booking
    if not may_free_up(booking):
        raise ValidationError({"booking": "This booking can be changed from its own page."})
    return cancel_booking(session, booking, now, texts=texts)


def next_event(session: Session, booking: Booking, now: dt.datetime) -> Event | None:
    """For a reschedule (R2): the company's next event open for sign-up, if there is one."""
    if booking.screen is None or booking.screen.rule != RESCHEDULE_RULE:
        return None
    event = booking.event
    later = session.scalars(
        select(Event)
        .where(Event.company_id == event.company_id, Event.id != event.id)
        .where(Event.status == "published", Event.date > event.date)
        .order_by(Event.date, Event.start_time)
        .limit(5)
    )
    return next((e for e in later if signup_open(e, now)), None)
