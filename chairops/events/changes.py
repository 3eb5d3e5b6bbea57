"""Changing an event after people booked: its details, or cancelling it. Audited, texted."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import EventConflict
from ..messaging import notify
from ..messaging.outbox import cancel_pending
from ..models import ACTIVE_BOOKING_STATUSES, AuditEntry, Booking, Event, User
from .service import event_fields, validate_event

DETAILS = ("title", "location", "room")


def active_bookings(session: Session, event: Event) -> list[Booking]:
    return list(
        session.scalars(
            select(Booking).where(
                Booking.event_id == event.id, Booking.status.in_(ACTIVE_BOOKING_STATUSES)
            )
        )
    )


def _audit(session: Session, user: User, event: Event, action: str, detail: dict, now) -> None:
    session.add(
        AuditEntry(
            at=now, user_id=user.id, action=action, subject_type="event", subject_id=event.id,
            detail=detail,
        )
    )  # fmt: skip


def update_details(
    session: Session, event: Event, raw: dict, user: User, now: dt.datetime, texts=None
) -> list[str]:
    """Change the title or place; people already booked are texted when the place changes."""
    current = event_fields(event)
    data = validate_event(current | {k: raw.get(k, current[k]) for k in DETAILS})
    changed = [name for name in DETAILS if getattr(data, name) != getattr(event, name)]
    for name in changed:
        setattr(event, name, getattr(data, name))
    if changed:
        _audit(session, user, event, "event.details_changed", {"fields": changed}, now)
        session.flush()
    if texts and {"location", "room"} & set(changed) and event.status == "published":
        upcoming = [b for b in active_bookings(session, event) if b.status == "booked"]
        notify.event_news(session, upcoming, "event_changed", texts, now)
    return changed


def cancel_event(
    session: Session, event: Event, user: User, now: dt.datetime, texts=None
) -> list[Booking]:
    """Cancel the whole event: every waiting booking is cancelled and its person texted."""
    if event.status == "cancelled":
        return []
    if event.status == "completed":
        raise EventConflict("A completed event cannot be cancelled.")
    waiting = [b for b in active_bookings(session, event) if b.status in ("booked", "checked_in")]
    for booking in waiting:
        booking.status, booking.status_changed_at = "cancelled", now
        cancel_pending(session, booking.id)
    event.status = "cancelled"
    _audit(session, user, event, "event.cancelled", {"bookings_cancelled": len(waiting)}, now)
    session.flush()
    if texts:
        notify.event_news(session, waiting, "event_cancelled", texts, now)
    return waiting
