"""The coordinator's console: roster, fill and attendance, the dashboard, the CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session, contains_eager

from ..accounts.reach import events_for
from ..audit import record
from ..formatting import clock, hour_label, in_zone
from ..models import (
    BOOKING_STATUSES,
    LIVE_WAITLIST_STATUSES,
    Booking,
    Chair,
    Event,
    Slot,
    User,
    WaitlistEntry,
)
from . import rules

# Events whose slots count towards "booked of": sign-up is or was open, and they still happen.
OPEN = ("published", "closed")
# Past events the dashboard lists at first, newest first; a link shows them all.
RECENT_PAST = 8


def roster(session: Session, event: Event) -> list[Booking]:
    """The event's people in time and chair order; cancelled bookings are left out."""
    return list(
        session.scalars(
            select(Booking)
            .join(Booking.slot)
            .join(Slot.chair)
            .options(contains_eager(Booking.slot).contains_eager(Slot.chair))
            .where(Booking.event_id == event.id, Booking.status != "cancelled")
            .order_by(Slot.starts_at, Chair.number, Booking.id)
        )
    )


def status_counts(session: Session, event: Event) -> dict[str, int]:
    """How many of the event's bookings are in each status, every status named."""
    rows = session.execute(
        select(Booking.status, func.count(Booking.id))
        .where(Booking.event_id == event.id)
        .group_by(Booking.status)
    )
    found = dict(rows.all())
    return {status: found.get(status, 0) for status in BOOKING_STATUSES}


def _slot_states(session: Session, event_ids: list[int]) -> dict[int, list[tuple]]:
    """{event id: [(slot start, state)]}: each slot's state from the bookings it had."""
    rows = session.execute(
        select(Slot.event_id, Slot.id, Slot.starts_at, Booking.status)
        .outerjoin(Booking, (Booking.slot_id == Slot.id) & (Booking.status != "cancelled"))
        .where(Slot.event_id.in_(event_ids))
    )
    statuses: dict[tuple, list[str]] = defaultdict(list)
    for event_id, slot_id, starts_at, status in rows:
        statuses[(event_id, slot_id, starts_at)] += [status] if status else []
    states: dict[int, list[tuple]] = defaultdict(list)
    for (event_id, _, starts_at), seen in statuses.items():
        states[event_id].append((starts_at, rules.slot_state(seen)))
    return states


def fill_by_time(session: Session, event: Event) -> list[tuple[dt.datetime, rules.Tally]]:
    """Each start time of the event with how its slots stand, in time order."""
    by_start: dict[dt.datetime, list[str]] = defaultdict(list)
    for start, state in _slot_states(session, [event.id])[event.id]:
        by_start[start].append(state)
    return [(start, rules.tally(by_start[start])) for start in sorted(by_start)]


def roster_counts(session: Session, event: Event) -> dict[str, int]:
    """Bookings by status, plus the event's slots and how many hold nobody (API.md roster)."""
    total = rules.combine(tally for _, tally in fill_by_time(session, event))
    return status_counts(session, event) | {
        "slots": total.slots,
        "free": total.free + total.no_show,
        "waitlist": waitlist_lengths(session, [event.id]).get(event.id, 0),
    }


class EventConsole(NamedTuple):
    """What the coordinator's part of the event page shows."""

    roster: list[Booking]
    counts: dict[str, int]
    total: rules.Tally
    chart: rules.Chart

    @property
    def attendance(self) -> int | None:
        return rules.attendance_percent(self.total.attended, self.total.no_show)

    segment_labels = rules.SEGMENT_LABELS
    status_labels = rules.ROSTER_STATUS_LABELS


def event_console(session: Session, event: Event) -> EventConsole:
    """Roster, counts and the fill chart of one event, in a fixed number of queries."""
    fill = fill_by_time(session, event)
    total = rules.combine(tally for _, tally in fill)
    tz = event.timezone
    columns = [(clock(start, tz), hour_label(start, tz), tally) for start, tally in fill]
    return EventConsole(
        roster(session, event), status_counts(session, event), total, rules.fill_chart(columns)
    )


class EventSummary(NamedTuple):
    """One event on the dashboard with how its slots stand."""

    event: Event
    tally: rules.Tally
    today: bool = False
    waiting: int = 0  # people on the waitlist

    @property
    def attendance(self) -> int | None:
        return rules.attendance_percent(self.tally.attended, self.tally.no_show)


class Dashboard(NamedTuple):
    upcoming: list[EventSummary]
    past: list[EventSummary]
    past_count: int  # every past event, shown or not

    @property
    def upcoming_total(self) -> rules.Tally:
        return rules.combine(s.tally for s in self.upcoming if s.event.status in OPEN)

    @property
    def past_total(self) -> rules.Tally:
        return rules.combine(s.tally for s in self.past if s.event.status != "cancelled")

    @property
    def past_attendance(self) -> int | None:
        return rules.attendance_percent(self.past_total.attended, self.past_total.no_show)


def dashboard(
    session: Session, user: User, now: dt.datetime, past_limit: int | None = RECENT_PAST
) -> Dashboard:
    """The user's events split into coming up (soonest first) and past (newest first)."""
    events = events_for(session, user)
    upcoming, past = [], []
    for event in events:
        ended = event.status == "completed" or rules.event_ended(
            event.date, event.end_time, event.timezone, now
        )
        (past if ended else upcoming).append(event)
    past_count, past = len(past), past[::-1][:past_limit]
    states = _slot_states(session, [e.id for e in upcoming + past])
    waiting = waitlist_lengths(session, [e.id for e in upcoming])

    def summary(event: Event) -> EventSummary:
        counts = rules.tally(state for _, state in states.get(event.id, []))
        today = event.date == rules.local_day(event.timezone, now)
        return EventSummary(event, counts, today, waiting.get(event.id, 0))

    return Dashboard([summary(e) for e in upcoming], [summary(e) for e in past], past_count)


def waitlist_lengths(session: Session, event_ids: list[int]) -> dict[int, int]:
    """{event id: people waiting or holding an offer}, in one query."""
    if not event_ids:
        return {}
    rows = session.execute(
        select(WaitlistEntry.event_id, func.count(WaitlistEntry.id))
        .where(
            WaitlistEntry.event_id.in_(event_ids),
            WaitlistEntry.status.in_(LIVE_WAITLIST_STATUSES),
        )
        .group_by(WaitlistEntry.event_id)
    )
    return dict(rows.all())


def roster_csv(event: Event, bookings: list[Booking]) -> str:
    """The roster as CSV for a spreadsheet: times in the event's zone, no contact or health data."""
    out = io.StringIO()
    writer = csv.writer(out)
    zone = event.timezone
    writer.writerow(
        ["Date", f"Start ({zone})", f"End ({zone})", "Chair", "Name", "Status", "Walk-in"]
    )
    for booking in bookings:
        start = in_zone(booking.slot.starts_at, zone)
        writer.writerow(
            [
                start.date().isoformat(),
                start.strftime("%H:%M"),
                in_zone(booking.slot.ends_at, zone).strftime("%H:%M"),
                booking.slot.chair.number,
                rules.spreadsheet_safe(booking.name),
                rules.ROSTER_STATUS_LABELS[booking.status],
                "yes" if booking.walk_in else "",
            ]
        )
    return out.getvalue()


def record_roster_export(
    session: Session, user: User, event: Event, rows: int, now: dt.datetime
) -> None:
    """Exports of people's names are written to the audit log."""
    record(session, user, "roster.exported", event, now, rows=rows, format="csv")
