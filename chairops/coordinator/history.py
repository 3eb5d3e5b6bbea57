"""A staff member's events read a bounded piece at a time, however many years they go back.

Whether an event is over depends on its own zone and hours (rules.event_ended). SQL cannot
tell that portably, so the database splits events by date: those dated before
surely_over_before(now) are over everywhere; the few after it (coming up, or just over)
are read whole and split in Python. Past events are newest first: date, start, then id, so
pages are stable.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from ..accounts.reach import scoped_events
from ..eventday.rules import surely_over_before
from ..models import Event, User
from . import rules

NEWEST_FIRST = (Event.date.desc(), Event.start_time.desc(), Event.id.desc())


def _visible(user: User):
    query = scoped_events(user)
    # Admins see every company's name beside its events: load them with the events.
    return query.options(joinedload(Event.company)) if user.role == "admin" else query


def recent_and_coming(
    session: Session, user: User, now: dt.datetime
) -> tuple[list[Event], list[Event]]:
    """(events not over yet, soonest first; events of the last days that are over, newest first)."""
    events = session.scalars(
        _visible(user)
        .where(Event.date >= surely_over_before(now))
        .order_by(Event.date, Event.start_time, Event.id)
    )
    coming, over = [], []
    for event in events:
        ended = rules.event_ended(event.date, event.end_time, event.timezone, now)
        (over if ended else coming).append(event)
    return coming, over[::-1]


def older_count(session: Session, user: User, now: dt.datetime) -> int:
    """How many events are dated before the last few days (all of them over)."""
    query = scoped_events(user).where(Event.date < surely_over_before(now))
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def past_events(
    session: Session,
    user: User,
    now: dt.datetime,
    just_over: list[Event],
    offset: int = 0,
    limit: int | None = None,
) -> list[Event]:
    """Past events from `offset` on (at most `limit`), newest first: just_over, then older."""
    end = None if limit is None else offset + limit
    head = just_over[offset:end]
    older = (
        _visible(user)
        .where(Event.date < surely_over_before(now))
        .order_by(*NEWEST_FIRST)
        .offset(max(0, offset - len(just_over)))
        .limit(None if limit is None else limit - len(head))
    )
    return head + list(session.scalars(older))
