"""One notion of an event's day and hours, in the venue's time zone. Pure.

Every "today", "is it open" and "is it over" in chairops comes from here, computed from an
explicit `now`: never from the server's date or a UTC date.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple
from zoneinfo import ZoneInfo

# Where `now` stands against an event, in time order.
BEFORE_DAY = "before_day"  # the event's local day has not begun
BEFORE_OPENING = "before_opening"  # the event's day, before its first slot
OPEN = "open"  # between opening and closing
AFTER_CLOSING = "after_closing"  # the event's day, after its last slot
AFTER_DAY = "after_day"  # the event's local day is over
DAY_STATES = (BEFORE_DAY, BEFORE_OPENING, OPEN, AFTER_CLOSING, AFTER_DAY)
# Sign-up closes this long before the event opens, unless the event sets its own closing time.
SIGNUP_CLOSES_BEFORE = dt.timedelta(minutes=0)


class EventDay(NamedTuple):
    """An event's local day and hours, as UTC instants."""

    date: dt.date
    tz: str
    day_start: dt.datetime  # the first instant of the event's local day
    day_end: dt.datetime  # the first instant of the local day after it
    opens: dt.datetime
    closes: dt.datetime

    def state(self, now: dt.datetime) -> str:
        """Where `now` stands: one of DAY_STATES."""
        today = local_today(now, self.tz)
        if today != self.date:
            return BEFORE_DAY if today < self.date else AFTER_DAY
        if now < self.opens:
            return BEFORE_OPENING
        return OPEN if now < self.closes else AFTER_CLOSING


def local_instant(day: dt.date, at: dt.time, tz: str) -> dt.datetime:
    """The UTC instant of a local wall-clock time on a day (a skipped time moves on)."""
    return dt.datetime.combine(day, at, tzinfo=ZoneInfo(tz)).astimezone(dt.UTC)


def local_today(now: dt.datetime, tz: str) -> dt.date:
    """Today's date where the venue is."""
    return now.astimezone(ZoneInfo(tz)).date()


def event_day(day: dt.date, start: dt.time, end: dt.time, tz: str) -> EventDay:
    """The event's day and its opening and closing instants."""
    midnight = dt.time(0)
    return EventDay(
        day, tz,
        local_instant(day, midnight, tz), local_instant(day + dt.timedelta(days=1), midnight, tz),
        local_instant(day, start, tz), local_instant(day, end, tz),
    )  # fmt: skip


def day_of(event) -> EventDay:
    """The EventDay of anything with date, start_time, end_time and timezone (an Event row)."""
    return event_day(event.date, event.start_time, event.end_time, event.timezone)


def event_day_state(now: dt.datetime, day: dt.date, start: dt.time, end: dt.time, tz: str) -> str:
    """Where `now` stands against the event, judged on the venue's clock."""
    return event_day(day, start, end, tz).state(now)


def is_over(now: dt.datetime, day: dt.date, tz: str) -> bool:
    """The event's local day has ended: the event is history."""
    return local_today(now, tz) > day


def signup_closes(opens: dt.datetime, own_closing: dt.datetime | None = None) -> dt.datetime:
    """When sign-up closes: the event's own closing time, else a set time before it opens."""
    return own_closing if own_closing is not None else opens - SIGNUP_CLOSES_BEFORE


def days_around(now: dt.datetime) -> tuple[dt.date, dt.date]:
    """The dates that are 'today' somewhere on Earth at `now` (UTC-12 to UTC+14)."""
    utc = now.astimezone(dt.UTC)
    return (utc - dt.timedelta(hours=12)).date(), (utc + dt.timedelta(hours=14)).date()


def surely_over_before(now: dt.datetime) -> dt.date:
    """Events dated before this day have ended, whatever their zone and hours.

    No zone is more than 12 hours behind UTC, so an event's local day is over 36 hours after
    the same day starts in UTC; two days before `now`'s UTC day leaves a margin of a day.
    """
    return now.astimezone(dt.UTC).date() - dt.timedelta(days=2)
