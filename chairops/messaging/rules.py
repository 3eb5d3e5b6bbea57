"""When texts go out: quiet hours, the morning reminder, up next. Pure."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

QUIET_START = dt.time(9, 0)  # texts may go from 09:00 ...
QUIET_END = dt.time(20, 0)  # ... until 20:00, local time
REMINDER_AT = dt.time(9, 0)
MAX_LENGTH = 320  # two SMS segments


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


def up_next_due(
    now: dt.datetime,
    slot_start: dt.datetime,
    lead_minutes: int,
    late_minutes: int,
    day_start: dt.datetime,
) -> tuple[dt.datetime, dt.datetime] | None:
    """(send at, worth sending until) for "up next", or None once its expected start has come.

    Never before the event's local day (`day_start`) and never before the lead time ahead of
    the expected start, whatever happens at the chair before then.
    """
    send_at, expected = up_next_window(slot_start, lead_minutes, late_minutes)
    send_at = max(send_at, day_start, now)
    # Nothing is worth sending at or after the expected start (a slot at local midnight).
    return (send_at, expected) if send_at < expected else None


def tips_due(
    completed_at: dt.datetime,
    delay_minutes: int,
    tz: str,
    start: dt.time = QUIET_START,
    end: dt.time = QUIET_END,
) -> dt.datetime:
    """Self-care tips: no earlier than completion plus the aftercare delay, in allowed hours."""
    return hold_to_quiet_hours(completed_at + dt.timedelta(minutes=delay_minutes), tz, start, end)


# What each status change withdraws from a booking's texts still to go.
WITHDRAWN = {
    "checked_in": ("reminder",),
    "in_service": ("reminder", "up_next"),
    "completed": ("reminder", "up_next"),
    "no_show": ("reminder", "up_next"),
    "cancelled": ("reminder", "up_next"),
}


def withdrawn_by(status: str) -> tuple[str, ...]:
    """The kinds of pending text a booking's new status makes pointless."""
    return WITHDRAWN.get(status, ())


def tips_set(routine: str | None) -> str | None:
    """Which self-care tips follow a massage: none after `refer`."""
    if routine == "refer":
        return None
    return "low_back" if routine == "glute_exception" else "general"


def is_plain(text: str) -> bool:
    """Plain characters only (GSM-7 basic set), so a text is not sent as costly Unicode."""
    return all(ch in _GSM7 for ch in text)


_GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
