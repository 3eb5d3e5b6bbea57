"""Fair share at a programme's dates: the priority window, turns taken, the monthly cap. Pure.

A turn is a booking that was not cancelled: booked, at the chair, done, or a no-show. A no-show
counts as a turn taken: the chair was held for that person, so someone else did not get it, and
counting it keeps a booked-but-skipped date from buying first pick at the next one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

TURN_STATUSES = ("booked", "checked_in", "in_service", "completed", "no_show")


def priority_window(
    opens_at: dt.datetime | None, hours: int
) -> tuple[dt.datetime, dt.datetime] | None:
    """The window from sign-up opening for `hours` of elapsed time; None when there is none."""
    if opens_at is None or hours <= 0:
        return None
    return opens_at, opens_at + dt.timedelta(hours=hours)


def priority_window_end(
    now: dt.datetime, opens_at: dt.datetime | None, hours: int
) -> dt.datetime | None:
    """When the priority window ends, if `now` is inside it; None before or after it."""
    window = priority_window(opens_at, hours)
    if window is None or not window[0] <= now < window[1]:
        return None
    return window[1]


def had_turn(statuses: Iterable[str]) -> bool:
    """Whether any of these booking statuses is a turn taken (anything but cancelled)."""
    return any(status in TURN_STATUSES for status in statuses)


def month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the calendar month of `day`."""
    first = day.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def over_cap(turns_this_month: int, cap: int | None) -> bool:
    """Whether one more massage this month would pass the cap (None: no cap)."""
    return cap is not None and turns_this_month >= cap
