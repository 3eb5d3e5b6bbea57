"""The walk-up line, pure: estimated waits, when joining is open, when and what to text, where a
called person who was not there goes back in line, and the coordinator's figures and chart."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from typing import NamedTuple
from zoneinfo import ZoneInfo

LIVE = ("waiting", "called")
# Booking statuses of a called person who has reached the chair, or finished there.
AT_CHAIR = ("checked_in", "in_service")
# A called person goes back in line behind this many people, once; the second time they leave.
REQUEUE_BEHIND = 2
TICK = dt.timedelta(microseconds=1)


class LineSettings(NamedTuple):
    """The settings of walk-up lines (LINE_* in the configuration)."""

    join_early_minutes: int = 30
    grace_minutes: int = 5
    notice_place: int = 3


class Hours(NamedTuple):
    """The event's opening and closing as UTC instants."""

    opens: dt.datetime
    closes: dt.datetime


def event_hours(day: dt.date, start: dt.time, end: dt.time, tz: str) -> Hours:
    """The event's local start and end on its day, as UTC instants."""
    zone = ZoneInfo(tz)
    return Hours(
        dt.datetime.combine(day, start, tzinfo=zone).astimezone(dt.UTC),
        dt.datetime.combine(day, end, tzinfo=zone).astimezone(dt.UTC),
    )


def estimated_wait_minutes(position: int, chairs: int, step_minutes: int) -> int:
    """About how long the person at `position` waits: the chairs free up in turn, each `step`."""
    return math.ceil(position * step_minutes / max(chairs, 1))


def join_state(
    now: dt.datetime,
    hours: Hours,
    early_minutes: int,
    waiting: int,
    chairs: int,
    step_minutes: int,
    session_minutes: int,
) -> str:
    """'not_yet', 'open', 'full' (the next person could not be seen before closing) or 'over'."""
    if now >= hours.closes:
        return "over"
    if now < hours.opens - dt.timedelta(minutes=early_minutes):
        return "not_yet"
    wait = estimated_wait_minutes(waiting + 1, chairs, step_minutes)
    starts = max(now, hours.opens) + dt.timedelta(minutes=wait)
    return "full" if starts + dt.timedelta(minutes=session_minutes) > hours.closes else "open"


def joining_opens(hours: Hours, early_minutes: int) -> dt.datetime:
    return hours.opens - dt.timedelta(minutes=early_minutes)


def may_text(now: dt.datetime, hours: Hours) -> bool:
    """Line texts go only during the event's own hours."""
    return hours.opens <= now < hours.closes


def shown_status(status: str, booking_status: str | None, event_status: str) -> str:
    """What the person's page and the API say: the entry's status, the chair's news folded in."""
    if status in LIVE and event_status == "cancelled":
        return "closed"
    if status == "called" and booking_status == "completed":
        return "served"
    if status == "called" and booking_status in AT_CHAIR:
        return "in_chair"
    if status in LIVE and event_status == "completed":  # the day is over: nobody waits now
        return "closed"
    return status


def requeue_at(
    entry_id: int, waiting: Sequence[tuple[dt.datetime, int]], behind: int = REQUEUE_BEHIND
) -> dt.datetime | None:
    """A new place-in-line time just behind the next `behind` waiting people (of `waiting`,
    (line_at, id) in order); None when nobody waits, so the person keeps the front.

    Order is (line_at, id): the time is chosen so the person sorts after the last of those people
    and before the one behind them; only two joins in the same microsecond put them one further.
    """
    if not waiting:
        return None
    after = waiting[min(behind, len(waiting)) - 1]
    before = waiting[behind] if len(waiting) > behind else None
    candidates = [after[0], after[0] + TICK]
    if before is not None:
        candidates.append(after[0] + (before[0] - after[0]) / 2)
    for at in candidates:
        if (at, entry_id) > after and (before is None or (at, entry_id) < before):
            return at
    return after[0] + TICK


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def minutes_phrase(minutes: int) -> str:
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


# --- Texts (two segments at most, plain characters) ----------------------------------------


def _short(title: str) -> str:
    return title if len(title) <= 60 else "the event"


def notice_text(brand: str, place: int, minutes: int) -> str:
    return (
        f"{brand}: You're {ordinal(place)} in line, about {minutes_phrase(minutes)}. "
        "Please make your way to the massage chairs."
    )


def called_text(brand: str, chair: int, grace_minutes: int) -> str:
    return (
        f"{brand}: Chair {chair} is ready for you now. "
        f"Please come within {minutes_phrase(grace_minutes)}."
    )


def requeued_text(brand: str, chair: int, place: int, minutes: int) -> str:
    return (
        f"{brand}: we missed you at chair {chair}, so you're back in line, {ordinal(place)}, "
        f"about {minutes_phrase(minutes)}. Please stay near the massage chairs."
    )


def removed_text(brand: str, title: str, join_url: str) -> str:
    return (
        f"{brand}: we missed you twice, so you're off the line for {_short(title)}. "
        f"You can join it again: {join_url}"
    )


def cancelled_text(brand: str, title: str) -> str:
    return (
        f"{brand}: sorry, {_short(title)} is cancelled, so the massage line is closed and your "
        "place in it is gone. We hope to see you at the next one."
    )


# --- The coordinator's figures ---------------------------------------------------------------


class EntryTimes(NamedTuple):
    """When one person joined, was first called, went back in line, was called last, left."""

    joined_at: dt.datetime
    first_called_at: dt.datetime | None
    requeued_at: dt.datetime | None
    called_at: dt.datetime | None
    ended_at: dt.datetime | None


Span = tuple[dt.datetime, dt.datetime | None]  # (from, until); None: still in line


def waiting_spans(t: EntryTimes) -> list[Span]:
    """The stretches of time this person stood in line (two if "not here" sent them back)."""
    spans: list[Span] = [(t.joined_at, t.first_called_at or t.ended_at)]
    if t.requeued_at:
        again = t.called_at if t.called_at and t.called_at > t.requeued_at else None
        spans.append((t.requeued_at, again or t.ended_at))
    return spans


def line_lengths(
    spans: Iterable[Span], start: dt.datetime, end: dt.datetime, step: dt.timedelta
) -> list[tuple[dt.datetime, int]]:
    """How many people stood in line at each `step` from `start`, and at `end` itself."""
    spans = list(spans)
    moments, at = [], start
    while at < end:
        moments.append(at)
        at += step
    moments.append(end)
    return [(at, sum(1 for s, e in spans if s <= at and (e is None or at < e))) for at in moments]


def wait_figures(waits: Iterable[dt.timedelta]) -> tuple[int | None, int | None]:
    """(average, longest) wait in whole minutes, or (None, None) before anyone was called."""
    minutes = [w.total_seconds() / 60 for w in waits]
    if not minutes:
        return None, None
    return round(sum(minutes) / len(minutes)), round(max(minutes))


class LineChart(NamedTuple):
    """The geometry of the line-over-the-day chart; the template only draws it."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    line: str  # polyline points "x,y x,y ..."
    area: str  # polygon points, the line closed down to the axis
    gridlines: list[tuple[int, float]]  # (people, y)
    ticks: list[tuple[float, str]]  # (x, "10 AM")
    peak: int


def _grid_step(peak: int) -> int:
    for step in (1, 2, 5, 10, 20, 50, 100, 200, 500):
        if peak / step <= 5:
            return step
    return 1000


def line_chart(
    samples: Sequence[tuple[dt.datetime, int]], tz: str, width: int = 640, height: int = 220
) -> LineChart | None:
    """A step chart of the line's length, whole hours (in the event's zone) on the x axis."""
    if len(samples) < 2:
        return None
    left, right, top, bottom = 40, width - 12, 24, height - 28
    peak = max(count for _, count in samples)
    step = _grid_step(max(peak, 1))
    ceiling = max(step, math.ceil(max(peak, 1) / step) * step)
    span = (samples[-1][0] - samples[0][0]).total_seconds() or 1

    def x(at: dt.datetime) -> float:
        return round(left + (right - left) * (at - samples[0][0]).total_seconds() / span, 1)

    def y(count: int) -> float:
        return round(bottom - (bottom - top) * count / ceiling, 1)

    points: list[str] = []
    for i, (at, count) in enumerate(samples):
        if i:
            points.append(f"{x(at)},{y(samples[i - 1][1])}")
        points.append(f"{x(at)},{y(count)}")
    line = " ".join(points)
    area = f"{x(samples[0][0])},{bottom} {line} {x(samples[-1][0])},{bottom}"
    grid = [(n, y(n)) for n in range(0, ceiling + 1, step)]
    zone = ZoneInfo(tz)
    ticks = [
        (x(at), at.astimezone(zone).strftime("%-I %p"))
        for at, _ in samples
        if at.astimezone(zone).minute == 0
    ]
    return LineChart(width, height, left, right, top, bottom, line, area, grid, ticks, peak)
