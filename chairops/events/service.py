"""Creating, publishing and reading events; slots come from rules.generate_slots."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select, true
from sqlalchemy.orm import Session, joinedload

from ..errors import EventConflict, EventNotFound, ValidationError
from ..models import (
    ACTIVE_BOOKING_STATUSES,
    Booking,
    Chair,
    Company,
    Event,
    Slot,
    User,
    WaitlistEntry,
)
from .rules import Break, EventInput, InvalidFields, generate_slots, parse_event_input


class TimeOption(NamedTuple):
    """One start time of an event and how many chairs are free then."""

    start: dt.datetime
    end: dt.datetime
    available: int


def event_fields(event: Event) -> dict:
    """The event's fields as a coordinator types them (the input of validate_event)."""
    return {
        "title": event.title,
        "location": event.location,
        "room": event.room,
        "timezone": event.timezone,
        "date": event.date.isoformat(),
        "start_time": event.start_time.strftime("%H:%M"),
        "end_time": event.end_time.strftime("%H:%M"),
        "chairs": event.chairs_count,
        "slot_minutes": event.slot_minutes,
        "buffer_minutes": event.buffer_minutes,
    }


def validate_event(raw: dict, now: dt.datetime | None = None) -> EventInput:
    """Parse event fields, raising the web-facing ValidationError."""
    try:
        return parse_event_input(raw, now=now)
    except InvalidFields as exc:
        raise ValidationError(exc.errors) from exc


def create_event(session: Session, company: Company, data: EventInput) -> Event:
    """Create a draft event with its chairs and generated slots."""
    event = Event(
        company=company,
        title=data.title,
        location=data.location,
        room=data.room,
        timezone=data.timezone,
        date=data.date,
        start_time=data.start_time,
        end_time=data.end_time,
        chairs_count=data.chairs,
        slot_minutes=data.slot_minutes,
        buffer_minutes=data.buffer_minutes,
        status="draft",
        share_token=secrets.token_urlsafe(16),
    )
    session.add(event)
    event.chairs = [
        Chair(number=n, label=f"Chair {n}", breaks=[]) for n in range(1, data.chairs + 1)
    ]
    session.flush()
    add_missing_slots(session, event)
    return event


def add_missing_slots(session: Session, event: Event) -> int:
    """Insert every generated slot the event does not have yet; return how many were added."""
    chairs = {chair.number: chair for chair in event.chairs}
    existing = set(
        session.execute(select(Slot.chair_id, Slot.starts_at).where(Slot.event_id == event.id))
    )
    added = 0
    for spec in generate_slots(
        event.date,
        event.start_time,
        event.end_time,
        event.timezone,
        event.slot_minutes,
        event.buffer_minutes,
        event.chairs_count,
        breaks=chair_breaks(event),
    ):
        chair = chairs[spec.chair]
        if (chair.id, spec.start) not in existing:
            session.add(
                Slot(event_id=event.id, chair_id=chair.id, starts_at=spec.start, ends_at=spec.end)
            )
            added += 1
    session.flush()
    return added


def _hhmm(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def chair_breaks(event: Event) -> list[Break]:
    """Every chair's breaks, as generate_slots takes them."""
    return [Break(_hhmm(b[0]), _hhmm(b[1]), c.number) for c in event.chairs for b in c.breaks]


def publish_event(session: Session, event: Event) -> Event:
    """Open sign-up; publishing twice is harmless."""
    if event.status in ("cancelled", "completed"):
        raise EventConflict(f"A {event.status} event cannot be published.")
    event.status = "published"
    session.flush()
    return event


def event_by_share_token(session: Session, token: str) -> Event:
    """The event behind a sign-up link, or EventNotFound."""
    event = session.scalar(
        select(Event).options(joinedload(Event.company)).where(Event.share_token == token)
    )
    if event is None or event.status == "draft":
        raise EventNotFound("No event matches this link. Check the link you were sent.")
    return event


def events_for(session: Session, user: User) -> list[Event]:
    """The events a staff member may see, soonest first."""
    return list(
        session.scalars(_scoped(select(Event), user).order_by(Event.date, Event.start_time))
    )


def scoped_events(user: User):
    """A select of the events a staff member may see, to narrow and order further."""
    return _scoped(select(Event), user)


def event_for(session: Session, user: User, event_id: int) -> Event:
    """One event within the user's reach; anything else is EventNotFound (404, never 403)."""
    event = session.scalar(_scoped(select(Event), user).where(Event.id == event_id))
    if event is None:
        raise EventNotFound()
    return event


def _scoped(query, user: User):
    if user.role == "admin":
        return query
    if user.role == "coordinator":
        return query.where(Event.company_id == user.company_id)
    therapist_events = select(Chair.event_id).where(Chair.therapist_id == user.id)
    return query.where(Event.id.in_(therapist_events))


def held_slot_ids(event_id: int, now: dt.datetime):
    """A subquery of the event's slots held for an open waitlist offer: nobody else takes them."""
    return select(WaitlistEntry.offered_slot_id).where(
        WaitlistEntry.event_id == event_id,
        WaitlistEntry.status == "offered",
        WaitlistEntry.offered_slot_id.is_not(None),  # a NULL would make NOT IN match nothing
        WaitlistEntry.offer_expires_at > now,
    )


def time_options(
    session: Session, event: Event, now: dt.datetime | None = None
) -> list[TimeOption]:
    """The event's start times (after `now`, when given) with their count of free chairs.

    With `now`, a slot held for an open waitlist offer does not count as free.
    """
    free = func.sum(case((Booking.id.is_(None), 1), else_=0))
    rows = session.execute(
        select(Slot.starts_at, Slot.ends_at, free)
        .outerjoin(
            Booking,
            and_(Booking.slot_id == Slot.id, Booking.status.in_(ACTIVE_BOOKING_STATUSES)),
        )
        .where(
            Slot.event_id == event.id,
            Slot.starts_at > now if now else true(),
            Slot.id.not_in(held_slot_ids(event.id, now)) if now else true(),
        )
        .group_by(Slot.starts_at, Slot.ends_at)
        .order_by(Slot.starts_at)
    )
    return [TimeOption(start, end, int(count)) for start, end, count in rows]


def slot_count(session: Session, event: Event) -> int:
    return session.scalar(select(func.count(Slot.id)).where(Slot.event_id == event.id)) or 0


def local(event: Event, moment: dt.datetime) -> dt.datetime:
    """A UTC instant in the event's own time zone."""
    return moment.astimezone(ZoneInfo(event.timezone))


def signup_open(event: Event, now: dt.datetime) -> bool:
    """Whether attendees may claim or move slots right now."""
    if event.status != "published":
        return False
    if event.signup_opens_at and now < event.signup_opens_at:
        return False
    return not (event.signup_closes_at and now >= event.signup_closes_at)
