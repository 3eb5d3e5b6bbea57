"""Free and held times of an event, and whether sign-up is open: what every claim path reads."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import NamedTuple

from sqlalchemy import Integer, and_, bindparam, case, func, literal_column, select, true
from sqlalchemy.orm import Session

from ..driversql import DriverStatement
from ..eventday.rules import day_of, signup_closes
from ..models import (
    ACTIVE_BOOKING_STATUSES,
    Booking,
    Chair,
    Event,
    Slot,
    Timestamp,
    WaitlistEntry,
)

# Statuses of an event that still happens: sign-up open, or closed with the day still to come.
RUNNING = ("published", "closed")


class TimeOption(NamedTuple):
    """One start time of an event and how many chairs are free then."""

    start: dt.datetime
    end: dt.datetime
    available: int


def signup_open(event: Event, now: dt.datetime) -> bool:
    """Whether attendees may claim or move slots right now (until a set time before opening)."""
    if event.status != "published":
        return False
    if event.signup_opens_at and now < event.signup_opens_at:
        return False
    return now < signup_closes(day_of(event).opens, event.signup_closes_at)


def event_running(event: Event, now: dt.datetime) -> bool:
    """Whether the event still happens: freed chairs go to its waitlist until it closes."""
    return event.status in RUNNING and now < day_of(event).closes


def held_slot_ids(event_id: int, now: dt.datetime):
    """A subquery of the event's slots held for an open waitlist offer: nobody else takes them."""
    return select(WaitlistEntry.offered_slot_id).where(
        WaitlistEntry.event_id == event_id,
        WaitlistEntry.status == "offered",
        WaitlistEntry.offered_slot_id.is_not(None),  # a NULL would make NOT IN match nothing
        WaitlistEntry.offer_expires_at > now,
    )


def booking_active():
    """A booking holds its slot: the statuses written inline (a fixed list, not an expanding IN
    rendered again on every call)."""
    return Booking.status.in_([literal_column(f"'{s}'") for s in ACTIVE_BOOKING_STATUSES])


def active_slot_ids(event_id: int):
    """A subquery of the slots that hold an active booking."""
    return select(Booking.slot_id).where(Booking.event_id == event_id, booking_active())


def times_query(event_id, now: dt.datetime | None = None):
    """(starts_at, ends_at, free) per start time of an event; `event_id` may be a SQL expression.

    With `now`, only times after it, and a slot held for an open waitlist offer is not free.
    """
    one, zero = literal_column("1", Integer), literal_column("0", Integer)  # constants inline
    free = func.sum(case((Booking.id.is_(None), one), else_=zero)).label("free")
    return (
        select(Slot.starts_at, Slot.ends_at, free)
        .outerjoin(
            Booking,
            # The event's bookings only (any booking of a slot is): its index answers, however
            # many bookings other events have piled up.
            and_(Booking.event_id == Slot.event_id, Booking.slot_id == Slot.id, booking_active()),
        )
        .where(
            Slot.event_id == event_id,
            Slot.starts_at > now if now is not None else true(),
            Slot.id.not_in(held_slot_ids(event_id, now)) if now is not None else true(),
        )
        .group_by(Slot.starts_at, Slot.ends_at)
    )


def time_options(
    session: Session, event: Event, now: dt.datetime | None = None
) -> list[TimeOption]:
    """The event's start times (after `now`, when given) with their count of free chairs."""
    params = {"event_id": event.id} | ({"now": now} if now is not None else {})
    rows = _times_statement(now is not None).rows(session, params)
    return [TimeOption(start, end, int(count)) for start, end, count in rows]


@cache
def _times_statement(upcoming: bool) -> DriverStatement:
    """Built once: time_options' statement for a bound event_id (and `now`, for times to come).

    A refused claim reads it to offer the nearest free times, so it runs lean (driversql.py)."""
    now = bindparam("now", type_=Timestamp) if upcoming else None
    event_id = bindparam("event_id", type_=Integer)
    return DriverStatement(times_query(event_id, now).order_by(Slot.starts_at))


def free_slots_by_chair_load(
    session: Session, event: Event, start: dt.datetime, now: dt.datetime
) -> list[int]:
    """The free, unheld slots at `start`, least-used chair first (balancing the chairs)."""
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


def slot_count(session: Session, event: Event) -> int:
    """How many slots the event has, on every chair."""
    return session.scalar(select(func.count(Slot.id)).where(Slot.event_id == event.id)) or 0
