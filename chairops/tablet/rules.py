"""The per-chair queue: order, status moves, undo window and running late. Pure."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple
from zoneinfo import ZoneInfo

# Status moves a therapist may make; each moves only forward.
FORWARD = {
    "booked": ("checked_in", "no_show"),
    "checked_in": ("in_service", "no_show"),
    "in_service": ("completed",),
}
WAITING = ("booked", "checked_in")
FINISHED = ("completed", "no_show")
UNDO_WINDOW = dt.timedelta(minutes=2)
MAX_LATE_MINUTES = 120


class QueueEntry(NamedTuple):
    id: int
    start: dt.datetime
    status: str


class Queue(NamedTuple):
    """Who is in the chair, who is next, who comes later, and who is done."""

    now: QueueEntry | None
    next: QueueEntry | None
    later: list[QueueEntry]
    done: list[QueueEntry]


def arrange_queue(entries: list[QueueEntry]) -> Queue:
    """Order a chair's bookings for the tablet; cancelled bookings are left out."""
    ordered = sorted(entries, key=lambda e: (e.start, e.id))
    serving = [e for e in ordered if e.status == "in_service"]
    waiting = [e for e in ordered if e.status in WAITING]
    done = [e for e in ordered if e.status in FINISHED]
    now = serving[0] if serving else None
    upcoming = serving[1:] + waiting
    return Queue(now, upcoming[0] if upcoming else None, upcoming[1:], done)


def check_move(current: str, wanted: str) -> str:
    """'ok' for a forward move, 'repeat' when already there (a double tap), else 'bad'."""
    if wanted == current:
        return "repeat"
    return "ok" if wanted in FORWARD.get(current, ()) else "bad"


def can_undo(previous: str | None, changed_at: dt.datetime | None, now: dt.datetime) -> bool:
    """The last move can be undone for a short time after it was made."""
    return bool(previous) and changed_at is not None and now - changed_at <= UNDO_WINDOW


def expected_start(start: dt.datetime, late_minutes: int, status: str) -> dt.datetime:
    """When a waiting person will really sit down, given how late the chair runs."""
    if status not in WAITING or late_minutes <= 0:
        return start
    return start + dt.timedelta(minutes=late_minutes)


def clamp_late(minutes: int) -> int:
    """Running late is kept between on time and two hours."""
    return max(0, min(MAX_LATE_MINUTES, minutes))


# --- When a move is allowed: the event's local day, and the booking's own time ---

CHECKIN_LEAD = dt.timedelta(minutes=60)  # default; CHECKIN_LEAD_MINUTES sets it
ARRIVAL = ("checked_in", "in_service")


class Refusal(NamedTuple):
    """A move that is not allowed at this moment: from when it is (None: never again)."""

    wanted: str
    at: dt.datetime | None
    why: str  # "lead", "start", "opening", "day_over", "closed"
    lead_minutes: int = 0


def move_window(
    wanted: str,
    now: dt.datetime,
    day: tuple[dt.datetime, dt.datetime],
    slot_start: dt.datetime,
    expected: dt.datetime,
    lead: dt.timedelta = CHECKIN_LEAD,
) -> Refusal | None:
    """None when `wanted` may happen now; else when it may. `day` is the local day's bounds.

    Check-in and start only on the event's day, from `lead` before the booking; a no-show only
    once the booking's expected start has passed, and that day still. Completing follows a
    start, so it is free.
    """
    day_start, day_end = day
    if wanted in (*ARRIVAL, "no_show") and now >= day_end:
        return Refusal(wanted, None, "day_over")
    if wanted in ARRIVAL:
        earliest = max(day_start, slot_start - lead)
        minutes = int(lead.total_seconds() // 60)
        return Refusal(wanted, earliest, "lead", minutes) if now < earliest else None
    if wanted == "no_show" and now < expected:
        return Refusal(wanted, expected, "start")
    return None


def walk_in_window(now: dt.datetime, opens: dt.datetime, closes: dt.datetime) -> Refusal | None:
    """Walk-ins only on the event's day, between its opening and closing."""
    if now < opens:
        return Refusal("walk_in", opens, "opening")
    return Refusal("walk_in", None, "closed") if now >= closes else None


_DOING = {
    "checked_in": "Checking in",
    "in_service": "Starting",
    "no_show": "Marking a no-show",
    "walk_in": "Adding walk-ins",
}


def not_now_detail(refusal: Refusal, tz: str, now: dt.datetime) -> str:
    """Says when the refused move becomes possible, on the venue's clock."""
    doing = _DOING.get(refusal.wanted, "This")
    if refusal.at is None:
        if refusal.why == "closed":
            return f"The event has closed: {doing.lower()} is over for today."
        return f"The event's day is over: {doing.lower()} is no longer possible."
    local = refusal.at.astimezone(ZoneInfo(tz))
    when = local.strftime("%-I:%M %p")
    if local.date() != now.astimezone(ZoneInfo(tz)).date():
        when += local.strftime(" on %a %-d %b")
    reason = {
        "lead": f" ({refusal.lead_minutes} minutes before the booking)",
        "start": ", when this person was due in the chair",
        "opening": ", when the event opens",
    }.get(refusal.why, "")
    return f"Not yet: {doing.lower()} is possible from {when}{reason}."


def refusal_label(refusal: Refusal, tz: str, now: dt.datetime) -> str:
    """A disabled button's short caption: 'from 9:00 AM', 'from Thu 3 Dec', 'day over'."""
    if refusal.at is None:
        return "closed" if refusal.why == "closed" else "day over"
    local = refusal.at.astimezone(ZoneInfo(tz))
    if local.date() != now.astimezone(ZoneInfo(tz)).date():
        return local.strftime("from %a %-d %b")
    return local.strftime("from %-I:%M %p")


# --- The step timer: which step of the routine the therapist should be on ---


class StepClock(NamedTuple):
    """Each step's planned start and end (seconds into the session) and where `now` falls."""

    spans: list[tuple[float, float]]
    started: dt.datetime | None  # when the session started; None until it has
    elapsed: float | None  # seconds since the start; None before it
    current: int | None  # the step to be on now; None before the start

    @property
    def overtime(self) -> bool:
        return self.elapsed is not None and bool(self.spans) and self.elapsed >= self.spans[-1][1]

    @property
    def left(self) -> float | None:
        """Seconds left in the current step (0 once the last one has run out)."""
        if self.current is None or self.elapsed is None:
            return None
        return max(0.0, self.spans[self.current][1] - self.elapsed)

    def starts(self) -> list[dt.datetime | None]:
        """Each step's planned start as an instant (None before the session starts)."""
        if self.started is None:
            return [None] * len(self.spans)
        return [self.started + dt.timedelta(seconds=start) for start, _ in self.spans]


def step_clock(minutes: list[float], started: dt.datetime | None, now: dt.datetime) -> StepClock:
    """Plan the steps back to back from the session's start and find the current one."""
    spans, at = [], 0.0
    for length in minutes:
        spans.append((at, at + length * 60))
        at += length * 60
    if started is None or not spans:
        return StepClock(spans, None, None, None)
    if now < started:  # a clock a moment behind another: the session has just begun
        now = started
    elapsed = (now - started).total_seconds()
    current = next((i for i, (_, end) in enumerate(spans) if elapsed < end), len(spans) - 1)
    return StepClock(spans, started, elapsed, current)


def mm_ss(seconds: float) -> str:
    """'2:30' for a span of seconds."""
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"
