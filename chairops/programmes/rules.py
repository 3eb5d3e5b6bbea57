"""Programmes: their settings, when each date's sign-up opens, what an edit changes, and the
wording of their dates. Pure: standard library only; every clock reading is a `now` argument.

The recurrence itself is expanded in recurrence.py (dateutil); the priority window and the
monthly cap are decided in seating/rules.py, where the claim path can reach them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import NamedTuple
from zoneinfo import ZoneInfo

SIGNUP_DAYS_BEFORE = 7
SIGNUP_AT = dt.time(9, 0)
PRIORITY_HOURS = 24
LIMITS = {"signup_opens_days_before": (0, 60), "priority_hours": (0, 168), "monthly_cap": (1, 31)}
EXDATE_LIMIT = 100
# Waitlist entries of people who did not get a chair at a date (booked and left did, or went).
NOT_SERVED = ("waiting", "offered", "expired", "declined", "closed")
# What the coordinator chooses for dates that already have bookings when the programme changes.
BOOKED_DATES = ("keep", "change")


class Settings(NamedTuple):
    """A programme's recurrence and sign-up settings, validated."""

    rrule: str
    dtstart: dt.date
    exdates: tuple[dt.date, ...]
    publish: bool
    signup_opens_days_before: int
    signup_opens_time: dt.time
    priority_hours: int
    monthly_cap: int | None


class InvalidSettings(ValueError):
    """Raised with a mapping of field name to a message a person can act on."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


DEFAULTS = {
    "exdates": [],
    "publish": False,
    "signup_opens_days_before": SIGNUP_DAYS_BEFORE,
    "signup_opens_time": SIGNUP_AT.strftime("%H:%M"),
    "priority_hours": PRIORITY_HOURS,
    "monthly_cap": None,
}


def parse_settings(raw: Mapping, now: dt.datetime | None = None, tz: str | None = None) -> Settings:
    """Validate the programme's own fields (not the event template); raise InvalidSettings."""
    values = DEFAULTS | {k: v for k, v in raw.items() if k in DEFAULTS or k in ("rrule", "dtstart")}
    parsers = {
        "rrule": _rule_text,
        "dtstart": _day,
        "exdates": _days,
        "publish": _flag,
        "signup_opens_days_before": lambda v: _whole(v, *LIMITS["signup_opens_days_before"]),
        "signup_opens_time": _clock,
        "priority_hours": lambda v: _whole(v, *LIMITS["priority_hours"]),
        "monthly_cap": lambda v: None if v in (None, "") else _whole(v, *LIMITS["monthly_cap"]),
    }
    clean, errors = {}, {}
    for name, parse in parsers.items():
        try:
            clean[name] = parse(values.get(name))
        except ValueError as exc:
            errors[name] = str(exc)
    passed = now is not None and tz and "dtstart" in clean
    if passed and clean["dtstart"] < now.astimezone(ZoneInfo(tz)).date():
        errors["dtstart"] = "That date has passed."
    if errors:
        raise InvalidSettings(errors)
    return Settings(**clean)


def _rule_text(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("Give the recurrence, for example FREQ=MONTHLY;BYDAY=1TU;COUNT=10.")
    return value.strip()


def _day(value: object) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise ValueError("Give the date as YYYY-MM-DD.") from exc


def _days(value: object) -> tuple[dt.date, ...]:
    """A list of dates, or (from the form) dates separated by commas, spaces or lines."""
    items = value.replace(",", " ").split() if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise ValueError("Give the skipped dates as a list of YYYY-MM-DD.")
    if len(items) > EXDATE_LIMIT:
        raise ValueError(f"Skip at most {EXDATE_LIMIT} dates.")
    try:
        days = [dt.date.fromisoformat(str(item).strip()) for item in items]
    except ValueError as exc:
        raise ValueError("Give each skipped date as YYYY-MM-DD.") from exc
    return tuple(sorted(set(days)))


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("yes", "on", "true", "1"):
        return True
    if value in (None, "", "no", "off", "false", "0"):
        return False
    raise ValueError("Give true or false.")


def _whole(value: object, low: int, high: int) -> int:
    message = f"Give a whole number from {low} to {high}."
    if isinstance(value, bool) or value is None or not str(value).strip().isdigit():
        raise ValueError(message)
    number = int(str(value).strip())
    if not low <= number <= high:
        raise ValueError(message)
    return number


def _clock(value: object) -> dt.time:
    text = str(value).strip()
    try:
        parsed = dt.time.fromisoformat(text)
    except ValueError as exc:
        raise ValueError("Give the time as HH:MM, for example 09:00.") from exc
    if len(text) != 5:
        raise ValueError("Give the time as HH:MM, for example 09:00.")
    return parsed


def signup_opens_at(day: dt.date, tz: str, days_before: int, at: dt.time = SIGNUP_AT):
    """When sign-up for the date opens: `days_before` days earlier at `at` local, as UTC."""
    local = dt.datetime.combine(day - dt.timedelta(days=days_before), at, tzinfo=ZoneInfo(tz))
    return local.astimezone(dt.UTC)


def opens_before_start(days_before: int, at: dt.time, start: dt.time) -> bool:
    """Sign-up must open before the date's first slot."""
    return days_before > 0 or at < start


def starts_at(day: dt.date, start: dt.time, tz: str) -> dt.datetime:
    """The UTC instant of a local wall-clock time on a day."""
    return dt.datetime.combine(day, start, tzinfo=ZoneInfo(tz)).astimezone(dt.UTC)


def starts_after(day: dt.date, start: dt.time, tz: str, now: dt.datetime) -> bool:
    """Whether a date's first slot is still to come (a date that has begun is history)."""
    return starts_at(day, start, tz) > now


def has_ended(day: dt.date, end: dt.time, tz: str, now: dt.datetime) -> bool:
    """Whether the date's hours are over, judged in its own zone."""
    return starts_at(day, end, tz) <= now


class ExistingDate(NamedTuple):
    """A programme date that has an event, as an edit sees it."""

    event_id: int
    day: dt.date
    changeable: bool  # still to come and neither cancelled nor completed
    booked: int  # active bookings


class Step(NamedTuple):
    """What an edit does to one date: keep, change, create or cancel its event."""

    day: dt.date
    action: str
    event_id: int | None = None
    booked: int = 0

    @property
    def affects_bookings(self) -> bool:
        return self.booked > 0 and self.action in ("change", "cancel")


def plan_edit(
    existing: Iterable[ExistingDate], wanted: Iterable[dt.date], template_changed: bool
) -> list[Step]:
    """Match the rule's new dates with the events there are; past and cancelled dates stay."""
    have = {item.day: item for item in existing}
    steps = []
    for item in have.values():
        if not item.changeable:
            continue
        action = "cancel" if item.day not in wanted else "change" if template_changed else "keep"
        steps.append(Step(item.day, action, item.event_id, item.booked))
    steps += [Step(day, "create") for day in wanted if day not in have]
    return sorted(steps, key=lambda step: step.day)


def short_day(day: dt.date, with_year: bool = False) -> str:
    """'5 Jan', or '5 Jan 2027'."""
    return day.strftime("%-d %b %Y" if with_year else "%-d %b")


def preview(days: list[dt.date], shown: int = 12) -> str:
    """'10 dates: 6 Jan, 3 Feb, ... 6 Oct' for the form, naming the year when it changes."""
    if not days:
        return "No dates."
    years = {day.year for day in days}
    names = [short_day(day, len(years) > 1) for day in days]
    if len(names) > shown:
        names = names[: shown - 1] + ["...", names[-1]]
    return f"{len(days)} date{'s' if len(days) != 1 else ''}: {', '.join(names)}"


def opens_wording(moment: dt.datetime, tz: str) -> str:
    """'Mon 26 Jan at 9 AM' (or '9:30 AM') in the date's zone."""
    local = moment.astimezone(ZoneInfo(tz))
    clock = local.strftime("%-I %p" if local.minute == 0 else "%-I:%M %p")
    return f"{local.strftime('%a %-d %b')} at {clock}"


def month_key(day: dt.date) -> tuple[int, int]:
    return day.year, day.month


def month_label(key: tuple[int, int]) -> str:
    """'Jan 2027'."""
    return dt.date(key[0], key[1], 1).strftime("%b %Y")


# --- The form's recurrence builder: plain choices become an RRULE (the API takes the RRULE) ---

PATTERNS = {
    "weekly": "Every week on chosen days",
    "monthly_weekday": "Monthly on a weekday (e.g. the first Tuesday)",
    "monthly_day": "Monthly on a day of the month",
    "custom": "Custom RRULE",
}
WEEKDAYS = {
    "MO": "Mon", "TU": "Tue", "WE": "Wed", "TH": "Thu", "FR": "Fri", "SA": "Sat", "SU": "Sun",
}  # fmt: skip
NTH = {"1": "First", "2": "Second", "3": "Third", "4": "Fourth", "-1": "Last"}


def compose_rrule(form: Mapping, weekdays: Iterable[str]) -> str:
    """The RRULE of the form's choices; InvalidSettings names the choice that is missing."""
    pattern = form.get("pattern") or "custom"
    if pattern == "custom":
        return str(form.get("rrule") or "")
    errors: dict[str, str] = {}
    parts = _pattern_parts(pattern, form, [d for d in weekdays if d in WEEKDAYS], errors)
    ends = _ends(form, errors)
    if errors:
        raise InvalidSettings(errors)
    return ";".join(parts + [ends])


def _pattern_parts(pattern: str, form: Mapping, days: list[str], errors: dict) -> list[str]:
    if pattern == "weekly":
        if not days:
            errors["weekdays"] = "Tick at least one day."
        every = str(form.get("interval") or "1").strip()
        if not every.isdigit() or not 1 <= int(every) <= 8:
            errors["interval"] = "Give a whole number of weeks from 1 to 8."
        return ["FREQ=WEEKLY", f"INTERVAL={every}", f"BYDAY={','.join(days)}"]
    if pattern == "monthly_weekday":
        nth, day = str(form.get("nth")), str(form.get("nth_weekday"))
        if nth not in NTH or day not in WEEKDAYS:
            errors["nth"] = "Choose which weekday of the month."
        return ["FREQ=MONTHLY", f"BYDAY={nth}{day}"]
    if pattern == "monthly_day":
        monthday = str(form.get("monthday") or "").strip()
        if not monthday.isdigit() or not 1 <= int(monthday) <= 31:
            errors["monthday"] = "Give a day of the month from 1 to 31."
        return ["FREQ=MONTHLY", f"BYMONTHDAY={monthday}"]
    errors["pattern"] = "Choose how the dates repeat."
    return []


def _ends(form: Mapping, errors: dict) -> str:
    """COUNT or UNTIL, from the form's "ends after N dates" or "ends on" choice."""
    if form.get("ends") == "until":
        try:
            return f"UNTIL={dt.date.fromisoformat(str(form.get('until')).strip()):%Y%m%d}"
        except ValueError:
            errors["until"] = "Give the last day as YYYY-MM-DD."
            return ""
    count = str(form.get("count") or "").strip()
    if not count.isdigit() or int(count) < 1:
        errors["count"] = "Give how many dates, for example 10."
    return f"COUNT={count}"
