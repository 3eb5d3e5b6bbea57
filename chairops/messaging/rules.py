"""When texts go out (quiet hours, the morning reminder, up next) and what they cost. Pure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from zoneinfo import ZoneInfo

QUIET_START = dt.time(9, 0)  # texts may go from 09:00 ...
QUIET_END = dt.time(20, 0)  # ... until 20:00, local time
REMINDER_AT = dt.time(9, 0)
MAX_SEGMENTS = 2  # every text fits in two SMS segments: operators pay per segment
GSM_SINGLE, GSM_PART = 160, 153  # septets; a part of a long text gives 7 to its header
UCS_SINGLE, UCS_PART = 70, 67  # UTF-16 code units
MAX_LENGTH = MAX_SEGMENTS * GSM_PART  # the most two segments hold, in GSM-7 only: see segments()
TRUNCATED = "..."  # marks a shortened name or place; plain GSM-7, unlike an ellipsis


def hold_to_quiet_hours(
    at: dt.datetime, tz: str, start: dt.time = QUIET_START, end: dt.time = QUIET_END
) -> dt.datetime:
    """The first moment at or after `at` that is inside the allowed local hours."""
    zone = ZoneInfo(tz)
    local = at.astimezone(zone)
    if start <= local.time() < end:
        return at
    day = local.date() if local.time() < start else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, start, tzinfo=zone).astimezone(dt.UTC)


def reminder_time(event_day: dt.date, tz: str, at: dt.time = REMINDER_AT) -> dt.datetime:
    """The morning reminder: 09:00 local on the event day, as a UTC instant."""
    return dt.datetime.combine(event_day, at, tzinfo=ZoneInfo(tz)).astimezone(dt.UTC)


def wants_reminder(booked_at: dt.datetime, remind_at: dt.datetime, slot_start: dt.datetime) -> bool:
    """Only people who booked before the reminder time, for slots after it, get one."""
    return booked_at < remind_at < slot_start


def up_next_window(
    slot_start: dt.datetime, lead_minutes: int, late_minutes: int = 0
) -> tuple[dt.datetime, dt.datetime]:
    """When the "up next" text goes, and when it stops being worth sending (the expected start)."""
    expected = slot_start + dt.timedelta(minutes=late_minutes)
    return expected - dt.timedelta(minutes=lead_minutes), expected


def tips_set(routine: str | None) -> str | None:
    """Which self-care tips follow a massage: none after `refer`."""
    if routine == "refer":
        return None
    return "low_back" if routine == "glute_exception" else "general"


def is_plain(text: str) -> bool:
    """Plain characters only (GSM-7 basic set), so a text is not sent as costly Unicode."""
    return all(ch in GSM7_BASIC for ch in text)


GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Sent as an escape septet and the character: two septets each.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")


def is_gsm7(text: str) -> bool:
    """Whether the text can go as GSM-7; one other character sends all of it as UCS-2."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def sms_parts(text: str) -> list[str]:
    """The text split as carriers split it, one string per segment (an empty text is one)."""
    if is_gsm7(text):
        single, part = GSM_SINGLE, GSM_PART
        costs = [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    else:
        single, part = UCS_SINGLE, UCS_PART
        costs = [2 if ord(ch) > 0xFFFF else 1 for ch in text]  # a surrogate pair
    if sum(costs) <= single:
        return [text]
    parts, start, used = [], 0, 0
    for i, cost in enumerate(costs):
        # An escape sequence or a surrogate pair that does not fit goes whole to the next part.
        if used + cost > part:
            parts.append(text[start:i])
            start, used = i, 0
        used += cost
    parts.append(text[start:])
    return parts


def segments(text: str) -> int:
    """How many SMS segments the text costs."""
    return len(sms_parts(text))


def shorten(value: str, keep: int) -> str:
    """The value cut to `keep` characters, the cut marked with TRUNCATED."""
    if len(value) <= keep:
        return value
    return value[: max(keep - len(TRUNCATED), 1)].rstrip(" ,.;:-") + TRUNCATED


def fit_segments(
    build: Callable[..., str],
    parts: Mapping[str, str],
    *,
    tail: str = "",
    limit: int = MAX_SEGMENTS,
    plain: Callable[[str], str] | None = None,
) -> str:
    """`build(**parts)` within `limit` segments, `tail` appended, shortening only the parts."""
    return build(**fit_parts(build, parts, tail=tail, limit=limit, plain=plain))


def fit_parts(
    build: Callable[..., str],
    parts: Mapping[str, str],
    *,
    tail: str = "",
    limit: int = MAX_SEGMENTS,
    plain: Callable[[str], str] | None = None,
) -> dict[str, str]:
    """The parts, made plain or shortened as little as it takes for `build` to fit `limit`.

    Parts outside GSM-7 are made `plain` first when that is what it takes, since UCS-2 holds
    less than half as much; then the longest parts are cut, all to one length.
    """

    def fits(values: Mapping[str, str]) -> bool:
        return segments(build(**values) + tail) <= limit

    if fits(parts):
        return dict(parts)
    if plain is not None:
        parts = {name: plain(value) for name, value in parts.items()}
        if fits(parts):
            return parts
    low, high = 1, max((len(v) for v in parts.values()), default=1)
    while low < high:  # the longest cut length that fits (the shortest if none does)
        keep = (low + high + 1) // 2
        if fits({name: shorten(value, keep) for name, value in parts.items()}):
            low = keep
        else:
            high = keep - 1
    return {name: shorten(value, low) for name, value in parts.items()}
