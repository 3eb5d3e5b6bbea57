"""Creating, publishing and reading events; slots come from rules.generate_slots."""

from __future__ import annotations

import datetime as dt
import secrets
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import EventConflict, ValidationError
from ..models import (
    Chair,
    Company,
    Event,
    Slot,
)
from .rules import Break, EventInput, InvalidFields, generate_slots, parse_event_input


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
        "kind": event.kind,
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
        kind=data.kind,
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
    if event.kind == "line":
        return 0  # a walk-up line has no times to claim: a chair's call makes its own slot
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


def local(event: Event, moment: dt.datetime) -> dt.datetime:
    """A UTC instant in the event's own time zone."""
    return moment.astimezone(ZoneInfo(event.timezone))
