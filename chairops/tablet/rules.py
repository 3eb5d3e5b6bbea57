"""The per-chair queue: order, status moves, undo window and running late. Pure."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

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
