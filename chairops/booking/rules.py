"""How a time zone is written into an .ics file: yearly rules, as Google Calendar and Outlook write.

A VTIMEZONE that lists every change since 1970 as RDATEs is read wrong by ical.js (it applies one
date of a multi-date RDATE), so calendar apps built on it placed bookings an hour off. Yearly
RRULEs ("second Sunday of March at 2:00") are read alike by every client; a zone whose changes
follow no such rule gets one observance per change around the event instead.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# Seven years cover every weekday a date can fall on, so a rule that fits them all is the rule.
RULE_YEARS = 3


@dataclass(frozen=True)
class Change:
    """One clock change: the wall time it happens (in the old offset), the offsets, the new name."""

    local: dt.datetime
    offset_from: dt.timedelta
    offset_to: dt.timedelta
    name: str
    daylight: bool


@dataclass(frozen=True)
class Observance:
    """A STANDARD or DAYLIGHT block of a VTIMEZONE; `rule` is its yearly RRULE, or None."""

    kind: str
    start: dt.datetime
    offset_from: dt.timedelta
    offset_to: dt.timedelta
    name: str
    rule: dict | None = None


def _offset(tz: ZoneInfo, instant: dt.datetime) -> dt.timedelta:
    return instant.astimezone(tz).utcoffset()


def _first_change(tz: ZoneInfo, low: dt.datetime, high: dt.datetime) -> dt.datetime:
    """The first minute at or before `high` with `high`'s offset, given `low` has another one."""
    while high - low > dt.timedelta(minutes=1):
        middle = low + (high - low) / 2
        middle = middle.replace(second=0, microsecond=0)
        if _offset(tz, middle) == _offset(tz, low):
            low = middle
        else:
            high = middle
    return high


def changes_in(tz: ZoneInfo, year: int) -> list[Change]:
    """Every offset change of the zone in the year, found by a daily scan then bisection."""
    found = []
    day = dt.datetime(year, 1, 1, tzinfo=dt.UTC)
    while day.year == year:
        after = day + dt.timedelta(days=1)
        before_offset, after_offset = _offset(tz, day), _offset(tz, after)
        if before_offset != after_offset:
            instant = _first_change(tz, day, after)
            local = instant.astimezone(tz)
            wall = (instant + before_offset).replace(tzinfo=None)
            # Clocks going forward start DAYLIGHT, as clients expect (Irish "negative DST" too).
            forward = after_offset > before_offset
            found.append(Change(wall, before_offset, after_offset, local.tzname(), forward))
        day = after
    return found


def _weekday_rules(moment: dt.datetime) -> list[str]:
    """The BYDAY values that name the date: '2SU' (second Sunday) first, then '-1SU' (last)."""
    nth, weekday = (moment.day - 1) // 7 + 1, DAYS[moment.weekday()]
    last = moment.day + 7 > calendar.monthrange(moment.year, moment.month)[1]
    return [f"{nth}{weekday}"] + ([f"-1{weekday}"] if last else [])


def _fits(rule: str, change: Change, other: Change) -> bool:
    """True when `other` (another year's change) is the same change under `rule`."""
    same = (other.offset_from, other.offset_to, other.name, other.daylight) == (
        change.offset_from,
        change.offset_to,
        change.name,
        change.daylight,
    )
    return (
        same
        and other.local.month == change.local.month
        and other.local.time() == change.local.time()
        and rule in _weekday_rules(other.local)
    )


def _yearly(tz: ZoneInfo, year: int) -> list[Observance] | None:
    """Yearly observances when every change of the years around `year` follows one rule."""
    years = range(year - RULE_YEARS, year + RULE_YEARS + 1)
    per_year = [changes_in(tz, y) for y in years]
    if not per_year[0] or len({len(changes) for changes in per_year}) != 1:
        return None
    observances = []
    for index, first in enumerate(per_year[0]):
        others = [changes[index] for changes in per_year]
        rule = next(
            (r for r in _weekday_rules(first.local) if all(_fits(r, first, o) for o in others)),
            None,
        )
        if rule is None:
            return None
        byday = {"FREQ": "YEARLY", "BYMONTH": first.local.month, "BYDAY": rule}
        observances.append(_observance(first, byday))
    return observances


def _observance(change: Change, rule: dict | None = None) -> Observance:
    kind = "DAYLIGHT" if change.daylight else "STANDARD"
    return Observance(kind, change.local, change.offset_from, change.offset_to, change.name, rule)


def _standing(tz: ZoneInfo, start: dt.datetime) -> Observance:
    """The zone as it stands at `start` (local), for the time before any change is listed."""
    local = start.replace(tzinfo=tz)
    offset, kind = local.utcoffset(), "DAYLIGHT" if local.dst() > dt.timedelta(0) else "STANDARD"
    return Observance(kind, start, offset, offset, local.tzname())


def observances(zone: str, around: dt.date) -> list[Observance]:
    """The VTIMEZONE blocks for an event on `around`: yearly rules, else the changes near it."""
    tz = ZoneInfo(zone)
    yearly = _yearly(tz, around.year)
    if yearly:
        return yearly
    start = dt.datetime(around.year - 2, 12, 1)  # the zone as it stands then, every change after
    near = [
        change
        for year in range(start.year, around.year + 2)
        for change in changes_in(tz, year)
        if change.local > start
    ]
    return [_standing(tz, start)] + [_observance(c) for c in near]
