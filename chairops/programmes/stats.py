"""The programme page's figures: each date's fill, attendance, waitlist and people turned away by
the priority window; how many different people had a massage; the months for the chart.

Counts only: names stay in each event's roster, and no screen answer is read here.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..coordinator import rules as fill
from ..models import Booking, Event, PriorityTurnaway, Programme, Slot, WaitlistEntry
from ..seating import rules as fairness
from . import rules

ATTENDED = fill.ATTENDED
# The chart leaves out dates that did not run; a draft date is not open yet.
CHARTED = ("published", "closed", "completed")


class DateStats(NamedTuple):
    """One date of the programme, as its coordinator sees it."""

    event: Event
    tally: fill.Tally
    waitlist_joined: int  # everyone who ever joined this date's waitlist
    waitlist_unseated: int  # of them, those the waitlist did not seat
    turned_away: int  # different numbers the priority window refused
    priority_ends_at: dt.datetime | None

    @property
    def attendance(self) -> int | None:
        return fill.attendance_percent(self.tally.attended, self.tally.no_show)


class ProgrammeStats(NamedTuple):
    dates: list[DateStats]
    people_served: int  # different numbers that sat in the chair
    people_booked: int  # different numbers that had a turn, upcoming and no-shows included
    turned_away: int  # different numbers the priority window refused, over every date
    months: list[tuple[str, fill.Tally]]
    chart: fill.Chart

    @property
    def total(self) -> fill.Tally:
        return fill.combine(d.tally for d in self.dates if d.event.status in CHARTED)


def programme_stats(session: Session, programme: Programme) -> ProgrammeStats:
    """Every figure of the programme page, in a fixed number of queries."""
    events = list(programme.events)
    ids = [event.id for event in events]
    states = _slot_states(session, ids)
    waitlist = _waitlist(session, ids)
    refused = _count_by_event(session, PriorityTurnaway.event_id, ids)
    dates = [
        DateStats(
            event,
            fill.tally(states.get(event.id, [])),
            sum(waitlist[event.id].values()),
            sum(n for s, n in waitlist[event.id].items() if s in rules.NOT_SERVED),
            refused.get(event.id, 0),
            _window_end(event, programme),
        )
        for event in events
    ]
    months = _months(dates)
    columns = [(label, label, tally) for label, tally in months]
    return ProgrammeStats(
        dates,
        _people(session, ids, ATTENDED),
        _people(session, ids, fairness.TURN_STATUSES),
        _distinct_turned_away(session, ids),
        months,
        fill.fill_chart(columns),
    )


def _window_end(event: Event, programme: Programme) -> dt.datetime | None:
    window = fairness.priority_window(event.signup_opens_at, programme.priority_hours)
    return window[1] if window else None


def _slot_states(session: Session, ids: list[int]) -> dict[int, list[str]]:
    """{event id: [state of each slot]}, from the bookings each slot had (cancelled ones aside)."""
    rows = session.execute(
        select(Slot.event_id, Slot.id, Booking.status)
        .outerjoin(Booking, (Booking.slot_id == Slot.id) & (Booking.status != "cancelled"))
        .where(Slot.event_id.in_(ids))
    )
    seen: dict[tuple[int, int], list[str]] = defaultdict(list)
    for event_id, slot_id, status in rows:
        seen[(event_id, slot_id)] += [status] if status else []
    states: dict[int, list[str]] = defaultdict(list)
    for (event_id, _), statuses in seen.items():
        states[event_id].append(fill.slot_state(statuses))
    return states


def _waitlist(session: Session, ids: list[int]) -> dict[int, dict[str, int]]:
    rows = session.execute(
        select(WaitlistEntry.event_id, WaitlistEntry.status, func.count(WaitlistEntry.id))
        .where(WaitlistEntry.event_id.in_(ids))
        .group_by(WaitlistEntry.event_id, WaitlistEntry.status)
    )
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for event_id, status, n in rows:
        counts[event_id][status] = n
    return counts


def _count_by_event(session: Session, column, ids: list[int]) -> dict[int, int]:
    rows = session.execute(select(column, func.count()).where(column.in_(ids)).group_by(column))
    return dict(rows.all())


def _people(session: Session, ids: list[int], statuses) -> int:
    return (
        session.scalar(
            select(func.count(func.distinct(Booking.phone))).where(
                Booking.event_id.in_(ids), Booking.status.in_(statuses), Booking.phone.is_not(None)
            )
        )
        or 0
    )


def _distinct_turned_away(session: Session, ids: list[int]) -> int:
    return (
        session.scalar(
            select(func.count(func.distinct(PriorityTurnaway.phone_hash))).where(
                PriorityTurnaway.event_id.in_(ids)
            )
        )
        or 0
    )


def _months(dates: list[DateStats]) -> list[tuple[str, fill.Tally]]:
    """Each calendar month with a date that ran or is open, and its slots summed."""
    by_month: dict[tuple[int, int], list[fill.Tally]] = defaultdict(list)
    for item in dates:
        if item.event.status in CHARTED:
            by_month[rules.month_key(item.event.date)].append(item.tally)
    return [(rules.month_label(key), fill.combine(by_month[key])) for key in sorted(by_month)]
