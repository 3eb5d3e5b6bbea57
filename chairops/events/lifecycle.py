"""An event's life after sign-up: sign-up closes before the event (a walk-up line, which has no
sign-up, stays open through its hours), and once the event's local day is over it is completed,
its line ended and its offers lapsed. Safe to run twice."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .. import waitlist
from ..eventday.rules import day_of, days_around, is_over, signup_closes
from ..messaging.outbox import cancel_pending_for_event
from ..models import Event

RUNNING = ("published", "closed")
# Texts that mean nothing once the event is over (tips still go).
POINTLESS_AFTER = ("reminder", "up_next", "waitlist_offer")


class Advanced(NamedTuple):
    """What one run of the lifecycle job changed."""

    closed: int = 0
    completed: int = 0


def advance_events(session: Session, now: dt.datetime) -> Advanced:
    """Close sign-up that has passed and complete events whose local day is over."""
    _, latest = days_around(now)
    # Events after `latest` cannot have begun anywhere; completed ones are never looked at again.
    events = session.scalars(
        select(Event).where(Event.status.in_(RUNNING), Event.date <= latest).order_by(Event.id)
    ).all()
    closed = completed = 0
    for event in events:
        if is_over(now, event.date, event.timezone):
            completed += complete_event(session, event, now)
        elif (
            event.status == "published"
            and event.kind != "line"  # a walk-up line has no sign-up: it runs by its hours
            and now >= signup_closes(day_of(event).opens, event.signup_closes_at)
        ):
            closed += _move(session, event, ("published",), "closed")
    return Advanced(closed, completed)


def complete_event(session: Session, event: Event, now: dt.datetime) -> int:
    """Mark the event completed (1), or nothing if another run did it first (0)."""
    if not _move(session, event, RUNNING, "completed"):
        return 0
    waitlist.end_for_event(session, event.id, now)
    cancel_pending_for_event(session, event.id, POINTLESS_AFTER)
    return 1


def _move(session: Session, event: Event, frm: tuple[str, ...], to: str) -> int:
    """A conditional update, so two clocks never both move one event."""
    moved = session.execute(
        update(Event)
        .where(Event.id == event.id, Event.status.in_(frm))
        .values(status=to)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved:
        session.refresh(event, ["status"])
    return moved
