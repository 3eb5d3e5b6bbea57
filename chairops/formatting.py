"""How times read to people: always in the event's own time zone."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo


def in_zone(moment: dt.datetime, tz: str) -> dt.datetime:
    return moment.astimezone(ZoneInfo(tz))


@lru_cache(maxsize=8192)
def local_iso(moment: dt.datetime, tz: str) -> str:
    """ISO 8601 with the zone's offset, '2026-12-01T10:15:00-05:00', as the JSON API writes times.

    Remembered: everyone reading an event's times in a sign-up rush gets the same few dozen, and
    the zone's offset rules cost more CPU than the rest of the answer together.
    """
    return in_zone(moment, tz).isoformat()


def clock(moment: dt.datetime, tz: str) -> str:
    """'2:15 PM' in the given zone."""
    return in_zone(moment, tz).strftime("%-I:%M %p")


def day(moment_or_date, tz: str | None = None) -> str:
    """'Thursday 3 December 2026'."""
    value = in_zone(moment_or_date, tz) if tz else moment_or_date
    return value.strftime("%A %-d %B %Y")


def hour_label(moment: dt.datetime, tz: str) -> str:
    """'2 PM' for grouping times by hour."""
    return in_zone(moment, tz).strftime("%-I %p")


def zone_abbr(moment: dt.datetime, tz: str) -> str:
    return in_zone(moment, tz).strftime("%Z")


def register_filters(app) -> None:
    app.add_template_filter(clock, "clock")
    app.add_template_filter(day, "day")
    app.add_template_filter(hour_label, "hour_label")
    app.add_template_filter(zone_abbr, "zone_abbr")
