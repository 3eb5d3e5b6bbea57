"""A programme's dates: an RFC 5545 RRULE over whole days, expanded by python-dateutil. Pure.

Not a rules.py, because rules.py files hold to the standard library and this leans on dateutil's
rrulestr (never a date loop of our own); the import-linter purity contract covers it like them.
The rule recurs over days (as DTSTART;VALUE=DATE would): each date gets the programme's local
hours afterwards, so 12:00 stays 12:00 local whatever the clocks do in between.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from itertools import islice
from zoneinfo import ZoneInfo

from dateutil.parser import isoparse
from dateutil.rrule import rrulestr

MAX_DATES = 60
HORIZON = dt.timedelta(days=5 * 365 + 2)  # every date within five years of the first
HORIZON_TEXT = "five years"
RULE_LIMIT = 500
NO_DATE = "This rule gives no date. Check BYDAY, BYMONTHDAY and the end."
FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
# A date is a whole day, so no hours; Easter does not repeat with the calendar (see _shift_years).
REFUSED_PARTS = ("BYHOUR", "BYMINUTE", "BYSECOND", "BYEASTER")
# The Gregorian calendar repeats exactly every 400 years (146,097 days, 20,871 whole weeks).
CYCLE_YEARS = 400
# dateutil only gives up on a rule that never matches at year 9999. We expand in the last
# 400-year cycle that still fits the horizon, so such a rule fails in under 410 years of search.
TOP_YEAR = dt.MAXYEAR - 6


class InvalidRecurrence(ValueError):
    """The recurrence cannot be used; `field` names the input at fault (rrule, exdates)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def expand(
    rule: str, dtstart: dt.date, exdates: Collection[dt.date] = (), tz: str = "UTC"
) -> list[dt.date]:
    """The programme's dates in order: the rule's days from `dtstart`, less the skipped ones.

    COUNT counts the rule's days before skipping, as RFC 5545 says. `tz` reads an UNTIL given
    in UTC ("...T170000Z") as the local day it falls on.
    """
    parts = _parts(rule)
    until = _until_day(parts.pop("UNTIL", None), dtstart, tz)
    count = _count(parts.get("COUNT"), len(exdates))
    if until is None and count is None:
        raise InvalidRecurrence("rrule", "Say when it ends: add COUNT=10 or UNTIL=20261231.")
    shift = _shift_years(dtstart)
    start = dt.datetime.combine(_moved(dtstart, shift), dt.time())
    try:
        recurrence = rrulestr(";".join(f"{k}={v}" for k, v in parts.items()), dtstart=start)
        if until is not None:
            recurrence = recurrence.replace(
                until=dt.datetime.combine(_moved(until, shift), dt.time())
            )
        days = [_moved(moment.date(), -shift) for moment in islice(recurrence, MAX_DATES * 4)]
    except (ValueError, TypeError, OverflowError) as exc:
        raise InvalidRecurrence("rrule", f"That is not an RRULE we can read ({exc}).") from exc
    _within_horizon(days, dtstart, count)
    return _skip(days, set(exdates))


def _parts(rule: object) -> dict[str, str]:
    """The rule's NAME=VALUE parts, after the checks dateutil does not make for us."""
    text = rule.strip() if isinstance(rule, str) else ""
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:") :]
    example = "for example FREQ=MONTHLY;BYDAY=1TU;COUNT=10"
    if not text or len(text) > RULE_LIMIT or any(c in text for c in ":\r\n"):
        raise InvalidRecurrence(
            "rrule", f"Give one RRULE line, {example}; the first date goes in dtstart."
        )
    parts: dict[str, str] = {}
    for piece in filter(None, text.split(";")):
        name, equals, value = piece.partition("=")
        if not equals or not value:
            raise InvalidRecurrence("rrule", f"Write each part as NAME=VALUE, {example}.")
        parts[name.strip().upper()] = value.strip().upper()
    if parts.get("FREQ") not in FREQUENCIES:
        raise InvalidRecurrence("rrule", "FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY.")
    interval = parts.get("INTERVAL", "1")
    if not interval.isdigit() or int(interval) < 1:
        raise InvalidRecurrence("rrule", "INTERVAL must be a whole number from 1.")
    refused = [name for name in REFUSED_PARTS if name in parts]
    if refused:
        raise InvalidRecurrence("rrule", f"A programme recurs over days: leave out {refused[0]}.")
    return parts


def _until_day(value: str | None, dtstart: dt.date, tz: str) -> dt.date | None:
    if value is None:
        return None
    try:
        moment = isoparse(value)
    except (ValueError, OverflowError) as exc:
        raise InvalidRecurrence("rrule", "Give UNTIL as a date, for example 20261231.") from exc
    day = moment.astimezone(ZoneInfo(tz)).date() if moment.tzinfo else moment.date()
    if day < dtstart:
        raise InvalidRecurrence("rrule", "The end (UNTIL) is before the first date (dtstart).")
    if day > dtstart + HORIZON:
        raise InvalidRecurrence("rrule", f"Keep the dates within {HORIZON_TEXT} of the first.")
    return day


def _count(value: str | None, skipped: int) -> int | None:
    if value is None:
        return None
    if not value.isdigit() or int(value) < 1:
        raise InvalidRecurrence("rrule", "COUNT must be a whole number from 1.")
    if int(value) - skipped > MAX_DATES:
        raise InvalidRecurrence("rrule", f"That gives more than {MAX_DATES} dates.")
    return int(value)


def _within_horizon(days: list[dt.date], dtstart: dt.date, count: int | None) -> None:
    """Refuse dates past the horizon, including those the shifted search could not reach."""
    if not days:
        raise InvalidRecurrence("rrule", NO_DATE)
    reached_top = count is not None and len(days) < min(count, MAX_DATES * 4)
    if reached_top or (days and days[-1] > dtstart + HORIZON):
        raise InvalidRecurrence("rrule", f"Keep the dates within {HORIZON_TEXT} of the first.")


def _skip(days: list[dt.date], skipped: set[dt.date]) -> list[dt.date]:
    unknown = sorted(skipped - set(days))
    if unknown:
        raise InvalidRecurrence(
            "exdates", f"{unknown[0].isoformat()} is not one of the dates this rule gives."
        )
    kept = [day for day in days if day not in skipped]
    if not kept:
        raise InvalidRecurrence("rrule", NO_DATE)
    if len(kept) > MAX_DATES:
        raise InvalidRecurrence("rrule", f"That gives more than {MAX_DATES} dates.")
    return kept


def _shift_years(dtstart: dt.date) -> int:
    """Whole 400-year cycles that move dtstart near year 9999 and change no weekday or leap day."""
    return (TOP_YEAR - dtstart.year) // CYCLE_YEARS * CYCLE_YEARS


def _moved(day: dt.date, years: int) -> dt.date:
    return day.replace(year=day.year + years)
