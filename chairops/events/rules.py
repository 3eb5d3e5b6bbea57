"""Slot generation: a pure function of the event's day, hours and chairs (DESIGN.md section 4)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import NamedTuple
from zoneinfo import ZoneInfo


class Break(NamedTuple):
    """A pause in local wall-clock time; chair None means every chair."""

    start: dt.time
    end: dt.time
    chair: int | None = None


class SlotSpec(NamedTuple):
    chair: int
    start: dt.datetime  # UTC
    end: dt.datetime  # UTC


def local_instant(day: dt.date, at: dt.time, tz: ZoneInfo) -> dt.datetime:
    """The UTC instant of a local wall-clock time on a day in a zone."""
    return dt.datetime.combine(day, at, tzinfo=tz).astimezone(dt.UTC)


def event_bounds(day: dt.date, start: dt.time, end: dt.time, tz: ZoneInfo):
    """The event's start and end as UTC instants."""
    return local_instant(day, start, tz), local_instant(day, end, tz)


def generate_slots(
    event_day: dt.date,
    local_start: dt.time,
    local_end: dt.time,
    tz: str | ZoneInfo,
    slot_minutes: int,
    buffer_minutes: int,
    chairs: int,
    breaks: Iterable[Break | tuple] = (),
) -> list[SlotSpec]:
    """Every (chair, start_utc, end_utc) of an event, ordered by start then chair.

    Slots follow each other in real elapsed time from the local start, so a
    day on which the clocks change still gives slots of the true length that
    end by the local end. A slot that overlaps a break is left out.
    """
    if slot_minutes <= 0 or buffer_minutes < 0 or chairs < 0:
        raise ValueError("slot length must be positive, buffer and chairs not negative")
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    start, end = event_bounds(event_day, local_start, local_end, zone)
    pauses = [
        (pause.chair, *event_bounds(event_day, pause.start, pause.end, zone))
        for pause in (Break(*b) for b in breaks)
    ]
    length = dt.timedelta(minutes=slot_minutes)
    step = dt.timedelta(minutes=slot_minutes + buffer_minutes)
    slots: list[SlotSpec] = []
    at = start
    while at + length <= end:
        for chair in range(1, chairs + 1):
            if not any(
                (who is None or who == chair) and at < b_end and b_start < at + length
                for who, b_start, b_end in pauses
            ):
                slots.append(SlotSpec(chair, at, at + length))
        at += step
    return slots


class LayoutChange(NamedTuple):
    """How an event's slots go from one layout to another, matched by chair and start."""

    kept: list[SlotSpec]
    resized: list[tuple[SlotSpec, SlotSpec]]  # (old, new): same chair and start, new end
    added: list[SlotSpec]
    dropped: list[SlotSpec]


def compare_layouts(old: Iterable[SlotSpec], new: Iterable[SlotSpec]) -> LayoutChange:
    """Which slots stay exactly, change length, appear or disappear when the layout changes."""
    have = {(s.chair, s.start): s for s in old}
    wanted = {(s.chair, s.start): s for s in new}
    return LayoutChange(
        kept=[s for key, s in have.items() if wanted.get(key) == s],
        resized=[(s, wanted[key]) for key, s in have.items() if key in wanted and wanted[key] != s],
        added=[s for key, s in wanted.items() if key not in have],
        dropped=[s for key, s in have.items() if key not in wanted],
    )


# --- Validating what a coordinator types (shared by the form and the JSON API) ---

LIMITS = {"chairs": (1, 30), "slot_minutes": (5, 120), "buffer_minutes": (0, 60)}
TEXT_LIMITS = {"title": 120, "location": 200, "room": 120}
# slots: people claim times; line: a walk-up line with no times to claim (chairops.walkup).
KINDS = ("slots", "line")


class EventInput(NamedTuple):
    title: str
    location: str
    room: str
    timezone: str
    date: dt.date
    start_time: dt.time
    end_time: dt.time
    chairs: int
    slot_minutes: int
    buffer_minutes: int
    kind: str = "slots"


class InvalidFields(ValueError):
    """Raised with a mapping of field name to a message a person can act on."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def parse_timezone(name: object) -> str:
    """An IANA time zone name zoneinfo knows, or ValueError with a message for people."""
    from zoneinfo import ZoneInfoNotFoundError, available_timezones

    if not isinstance(name, str) or name not in available_timezones():
        raise ValueError("Choose a time zone such as America/New_York.")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError("Choose a time zone such as America/New_York.") from exc
    return name


DATE_FORMAT = "Give the date as YYYY-MM-DD."


def _date(value: object) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise ValueError(DATE_FORMAT) from exc


def date_box_message(today: dt.date) -> str:
    """A browser's date box shows the reader's own format, not ISO: name a date to enter instead."""
    example = today + dt.timedelta(days=30)
    return f"Enter a date, for example {example.day} {example:%b %Y}."


def _clock(value: object) -> dt.time:
    text = str(value).strip()
    try:
        parsed = dt.time.fromisoformat(text)
    except ValueError as exc:
        raise ValueError("Give the time as HH:MM, for example 09:30.") from exc
    if len(text) != 5:
        raise ValueError("Give the time as HH:MM, for example 09:30.")
    return parsed


def _whole(value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or value is None or value == "":
        raise ValueError(f"Give a whole number from {low} to {high}.")
    try:
        number = int(str(value).strip())
    except ValueError as exc:
        raise ValueError(f"Give a whole number from {low} to {high}.") from exc
    if not low <= number <= high:
        raise ValueError(f"Give a whole number from {low} to {high}.")
    return number


def _text(value: object, limit: int, required: bool = True) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if required and not text:
        raise ValueError("This is required.")
    if len(text) > limit:
        raise ValueError(f"Keep it to {limit} characters.")
    return text


def _kind(value: object) -> str:
    if value is None or value == "":
        return "slots"
    if value not in KINDS:
        raise ValueError("Choose slots (people book a time) or line (a walk-up line).")
    return value


def parse_event_input(raw: dict, now: dt.datetime | None = None) -> EventInput:
    """Validate a coordinator's event fields; raise InvalidFields naming every bad one."""
    errors: dict[str, str] = {}
    clean: dict[str, object] = {}
    parsers = {
        "title": lambda v: _text(v, TEXT_LIMITS["title"]),
        "location": lambda v: _text(v, TEXT_LIMITS["location"]),
        "room": lambda v: _text(v or "", TEXT_LIMITS["room"], required=False),
        "timezone": parse_timezone,
        "date": _date,
        "start_time": _clock,
        "end_time": _clock,
        **{name: (lambda v, lim=lim: _whole(v, *lim)) for name, lim in LIMITS.items()},
        "kind": _kind,
    }
    for name, parse in parsers.items():
        try:
            clean[name] = parse(raw.get(name))
        except ValueError as exc:
            errors[name] = str(exc)
    if (
        now is not None
        and not errors.keys() & {"date", "timezone"}
        and clean["date"] < now.astimezone(ZoneInfo(clean["timezone"])).date()
    ):
        errors["date"] = "That date has passed."
    if not errors.keys() & {"start_time", "end_time"}:
        minutes = _minutes_between(clean["start_time"], clean["end_time"])
        if minutes <= 0:
            errors["end_time"] = "The end must be after the start."
        elif "slot_minutes" in clean and clean["slot_minutes"] > minutes:
            errors["slot_minutes"] = "A slot cannot be longer than the event."
    if errors:
        raise InvalidFields(errors)
    return EventInput(**clean)


def _minutes_between(start: dt.time, end: dt.time) -> int:
    return (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)


# Offered first in time-zone pickers; any IANA zone is accepted.
COMMON_ZONES = [
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Toronto",
    "America/Vancouver",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Paris",
    "Europe/Berlin",
    "Australia/Sydney",
]
