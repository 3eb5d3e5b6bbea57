"""What staff see of a walk-up line: the coordinator's figures and chart, the tablet's panel."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ..models import Chair, Event, LineEntry
from . import rules
from .calls import last_called_id
from .service import front, hours_of, waiting_count

CHART_STEP = dt.timedelta(minutes=5)
TABLET_NEXT = 5  # names of the people next in line shown on the tablet


class LineConsole(NamedTuple):
    """The coordinator's part of a line event's page: counts, waits and the chart."""

    waiting: int
    at_chairs: int  # called and not finished yet
    served: int
    left: int
    missed: int
    average_wait: int | None  # minutes from joining to the first call
    longest_wait: int | None
    chart: rules.LineChart | None


def line_console(session: Session, event: Event, now: dt.datetime) -> LineConsole:
    """Counts, waits and the line over the day, from the event's entries in one query."""
    entries = list(
        session.scalars(
            select(LineEntry)
            .options(joinedload(LineEntry.booking))
            .where(LineEntry.event_id == event.id)
        )
    )
    shown = [
        rules.shown_status(e.status, e.booking.status if e.booking else None, "published")
        for e in entries
    ]
    average, longest = rules.wait_figures(
        e.first_called_at - e.joined_at for e in entries if e.first_called_at
    )
    return LineConsole(
        waiting=shown.count("waiting"),
        at_chairs=shown.count("called") + shown.count("in_chair"),
        served=shown.count("served"),
        left=shown.count("left"),
        missed=shown.count("missed"),
        average_wait=average,
        longest_wait=longest,
        chart=_chart(event, entries, now),
    )


def _chart(event: Event, entries: list[LineEntry], now: dt.datetime) -> rules.LineChart | None:
    """The line's length every five minutes, from the first join to closing (or now)."""
    if not entries:
        return None
    hours = hours_of(event)
    first = min(e.joined_at for e in entries)
    start = _floor(min(first, hours.opens), CHART_STEP)
    end = min(now, max(hours.closes, max(e.updated_at for e in entries)))
    if end <= start:
        return None
    times = [
        rules.EntryTimes(e.joined_at, e.first_called_at, e.requeued_at, e.called_at, e.ended_at)
        for e in entries
    ]
    spans = [span for t in times for span in rules.waiting_spans(t)]
    return rules.line_chart(rules.line_lengths(spans, start, end, CHART_STEP), event.timezone)


def _floor(moment: dt.datetime, step: dt.timedelta) -> dt.datetime:
    epoch = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    return moment - (moment - epoch) % step


class TabletPanel(NamedTuple):
    """The line as one chair's tablet shows it."""

    waiting: int
    next_up: list[LineEntry]  # the first few in line, in order
    called_here: list[LineEntry]  # called to this chair and not arrived yet
    last_called: int  # id of this chair's last call, against double taps


def tablet_panel(session: Session, chair: Chair) -> TabletPanel:
    """Who waits, who is next, and who this chair called and still expects."""
    called = session.scalars(
        select(LineEntry)
        .options(joinedload(LineEntry.booking))
        .where(
            LineEntry.event_id == chair.event_id,
            LineEntry.chair_number == chair.number,
            LineEntry.status == "called",
        )
        .order_by(LineEntry.called_at)
    )
    expected = [e for e in called if e.booking and e.booking.status in ("booked", "no_show")]
    return TabletPanel(
        waiting=waiting_count(session, chair.event_id),
        next_up=front(session, chair.event_id, TABLET_NEXT),
        called_here=expected,
        last_called=last_called_id(session, chair.event_id, chair.number),
    )


def panel_fingerprint(panel: TabletPanel) -> list:
    """Everything the panel shows, as plain values: it changes whenever the fragment would."""
    return [
        panel.waiting,
        [(e.id, e.name) for e in panel.next_up],
        [(e.id, e.called_at, e.booking.status) for e in panel.called_here],
        panel.last_called,
    ]
