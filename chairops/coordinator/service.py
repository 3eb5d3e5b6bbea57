"""The coordinator's console: roster, fill and attendance, the dashboard, the CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from typing import NamedTuple

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, contains_eager

from ..audit import record
from ..errors import NotFound
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
from . import history, rules

# Events whose slots count towards "booked of": sign-up is or was open, and they still happen.
OPEN = ("published", "closed")
# Past events the dashboard lists at first, newest first; a link shows them all.
RECENT_PAST = 8
# Past events on one page of "all past events".
PAST_PAGE_SIZE = 25


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


def _holding_bookings(event_ids: list[int]):
    """A slot's bookings that were not cancelled, joined by slot. Naming the events on the
    bookings side lets their index answer, not a full scan."""
    return (
        (Booking.slot_id == Slot.id)
        & Booking.event_id.in_(event_ids)
        & (Booking.status != "cancelled")
    )


def _slot_states(session: Session, event_ids: list[int]) -> dict[int, list[tuple]]:
    """{event id: [(slot start, state)]}: each slot's state from the bookings it had."""
    rows = session.execute(
        select(Slot.event_id, Slot.id, Slot.starts_at, Booking.status)
        .outerjoin(Booking, _holding_bookings(event_ids))
        .where(Slot.event_id.in_(event_ids))
    )
    statuses: dict[tuple, list[str]] = defaultdict(list)
    for event_id, slot_id, starts_at, status in rows:
        statuses[(event_id, slot_id, starts_at)] += [status] if status else []
    states: dict[int, list[tuple]] = defaultdict(list)
    for (event_id, _, starts_at), seen in statuses.items():
        states[event_id].append((starts_at, rules.slot_state(seen)))
    return states


def event_tallies(session: Session, event_ids: list[int]) -> dict[int, rules.Tally]:
    """{event id: how its slots stand}, counted by the database in a few rows per event."""
    # Each booking's segment as its place in SEGMENTS; a slot shows the smallest (slot_state).
    ranks = {status: rules.SEGMENTS.index(seg) for status, seg in rules.STATUS_SEGMENTS.items()}
    segment = case(ranks, value=Booking.status, else_=rules.SEGMENTS.index("free"))
    per_slot = (
        select(Slot.event_id, func.min(segment).label("segment"))
        .outerjoin(Booking, _holding_bookings(event_ids))
        .where(Slot.event_id.in_(event_ids))
        .group_by(Slot.event_id, Slot.id)
        .subquery()
    )
    rows = session.execute(
        select(per_slot.c.event_id, per_slot.c.segment, func.count()).group_by(
            per_slot.c.event_id, per_slot.c.segment
        )
    )
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for event_id, index, count in rows:
        counts[event_id][rules.SEGMENTS[index]] = count
    return {event_id: rules.Tally(**found) for event_id, found in counts.items()}


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
    """The user's events split into coming up (soonest first) and past (newest first).

    Only the events shown are read, in a fixed number of queries however long the history.
    """
    upcoming, just_over = history.recent_and_coming(session, user, now)
    past = history.past_events(session, user, now, just_over, limit=past_limit)
    past_count = len(just_over) + history.older_count(session, user, now)
    summaries = _summaries(session, upcoming + past, now, waiting_for=upcoming)
    return Dashboard(summaries[: len(upcoming)], summaries[len(upcoming) :], past_count)


def _summaries(
    session: Session, events: list[Event], now: dt.datetime, waiting_for: list[Event]
) -> list[EventSummary]:
    """Each event with how its slots stand (and its waitlist, for those in `waiting_for`)."""
    tallies = event_tallies(session, [e.id for e in events])
    waiting = waitlist_lengths(session, [e.id for e in waiting_for])

    def summary(event: Event) -> EventSummary:
        counts = tallies.get(event.id, rules.Tally())
        today = event.date == rules.local_day(event.timezone, now)
        return EventSummary(event, counts, today, waiting.get(event.id, 0))

    return [summary(e) for e in events]


class PastEvents(NamedTuple):
    """One page of "all past events"."""

    events: list[EventSummary]
    page: rules.Page


def past_events_page(
    session: Session, user: User, now: dt.datetime, raw_page: str | None
) -> PastEvents:
    """A page of the user's past events, newest first; NotFound for a page that is not there."""
    _, just_over = history.recent_and_coming(session, user, now)
    total = len(just_over) + history.older_count(session, user, now)
    page = rules.page_of(raw_page, PAST_PAGE_SIZE, total)
    if page is None:
        raise NotFound("There is no such page of past events.")
    events = history.past_events(session, user, now, just_over, page.offset, page.size)
    return PastEvents(_summaries(session, events, now, waiting_for=[]), page)


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
