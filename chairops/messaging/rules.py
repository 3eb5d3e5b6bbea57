"""When texts go out (quiet hours, the morning reminder, up next) and what they cost. Pure."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import NamedTuple
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
    return GSM7_BASIC.issuperset(text)


GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Sent as an escape septet and the character: two septets each.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")


GSM7 = GSM7_BASIC | GSM7_EXTENSION


def is_gsm7(text: str) -> bool:
    """Whether the text can go as GSM-7; one other character sends all of it as UCS-2."""
    return GSM7.issuperset(text)


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
    """How many SMS segments the text costs (counted without splitting when every character
    costs one unit: no GSM-7 escapes, no surrogate pairs; otherwise split as sms_parts does)."""
    if is_gsm7(text):
        single, part = GSM_SINGLE, GSM_PART
        even = GSM7_EXTENSION.isdisjoint(text)
    else:
        single, part = UCS_SINGLE, UCS_PART
        even = len(text.encode("utf-16-le")) == 2 * len(text)
    if not even:
        return len(sms_parts(text))
    return 1 if len(text) <= single else -(-len(text) // part)


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


# --- Against SMS pumping: how many texts may go (issue 12) -------------------------------------


class SendLimits(NamedTuple):
    """Texts one number may get an hour and a day, per event slot an hour, and in all an hour."""

    number_hourly: int = 10
    number_daily: int = 20
    event_hourly_per_slot: int = 3
    hourly_budget: int = 1000  # 0: no budget


# A small event may still send this many texts an hour, whatever its number of slots.
EVENT_HOURLY_FLOOR = 30


def event_hourly_cap(slots: int, per_slot: int) -> int:
    """Texts an event may send in an hour: a few per slot, never fewer than the floor."""
    return max(EVENT_HOURLY_FLOOR, per_slot * slots)


def held_back(
    batch: list[tuple[int, str, int | None]],
    sent: dict[str, tuple[int, int]],
    event_sent: dict[int, int],
    event_caps: dict[int, int],
    limits: SendLimits,
) -> dict[int, str]:
    """Which texts of a batch (id, number, event), in order, a limit holds back, with the reason.

    `sent` gives each number's texts in the last hour and day, `event_sent` each event's in the
    last hour; the texts of the batch let through count towards the ones after them.
    """
    hour = {to: counts[0] for to, counts in sent.items()}
    day = {to: counts[1] for to, counts in sent.items()}
    events = dict(event_sent)
    held = {}
    for message_id, to, event_id in batch:
        reason = _limit_reached(hour.get(to, 0), day.get(to, 0), limits)
        cap = event_caps.get(event_id) if event_id is not None else None
        if reason is None and cap is not None and events.get(event_id, 0) >= cap:
            reason = f"Held back: the event sent {cap} texts in the last hour."
        if reason:
            held[message_id] = reason
            continue
        hour[to], day[to] = hour.get(to, 0) + 1, day.get(to, 0) + 1
        if event_id is not None:
            events[event_id] = events.get(event_id, 0) + 1
    return held


def _limit_reached(hour: int, day: int, limits: SendLimits) -> str | None:
    if limits.number_hourly and hour >= limits.number_hourly:
        return f"Held back: this number got {limits.number_hourly} texts in the last hour."
    if limits.number_daily and day >= limits.number_daily:
        return f"Held back: this number got {limits.number_daily} texts in the last day."
    return None


def allowed_countries(country: str, extra: str | None = None) -> frozenset[str]:
    """Countries whose numbers may be texted: the company's own, and any it adds."""
    codes = (extra or "").replace(",", " ").upper().split()
    return frozenset({country.upper(), *codes})


# --- Replies: opt-out, opt-in and help keywords ------------------------------------------------

# Twilio's own keywords: it acts on these itself when they are the whole (trimmed) body.
TWILIO_OPT_OUT = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "END", "QUIT", "CANCEL", "REVOKE", "OPTOUT"}
)
TWILIO_OPT_IN = frozenset({"START", "UNSTOP", "YES"})
# Words that mean "stop" even with more words after them ("STOP please", "stop!!").
_LEADING_STOP = {
    "en": {"stop", "stopall", "unsubscribe", "optout", "revoke"},
    "es": {"parar", "detener", "baja", "desuscribir", "alto"},
    "fr": {"arret", "arreter", "desabonner", "desinscrire", "desinscription"},
}
# Words that mean "stop" only alone: "cancel my booking" is about the booking, not texts.
_ALONE_STOP = {
    "en": {"end", "quit", "cancel"},
    "es": {"cancelar", "para", "fin"},
    "fr": {"fin", "annuler"},
}
_HELP = {"en": {"help", "info"}, "es": {"ayuda"}, "fr": {"aide"}}
_OPT_IN = {"start", "unstop", "yes"}
# Company countries whose people may answer in Spanish or French (English is always understood).
_LANGUAGES = {
    "es": {"US", "ES", "MX", "AR", "CO", "CL", "PE", "VE", "EC", "GT", "CU", "BO", "DO", "HN",
           "PY", "SV", "NI", "CR", "PA", "UY", "PR"},
    "fr": {"FR", "BE", "CH", "LU", "MC", "CA"},
}  # fmt: skip


def languages_for(countries: Iterable[str]) -> frozenset[str]:
    """The languages replies may come in, from the countries of the companies texting."""
    found = {"en"}
    for language, where in _LANGUAGES.items():
        if any(country.upper() in where for country in countries):
            found.add(language)
    return frozenset(found)


def _words(body: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", body.casefold())
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return re.findall(r"[a-z]+", plain.replace("-", ""))


def reply_keyword(body: str, languages: Iterable[str] = ("en",)) -> tuple[str | None, bool]:
    """What a reply asks ("opt_out", "opt_in", "help" or None), and whether Twilio acted on it.

    Twilio matches its keywords only as the whole trimmed body; we also match case, trailing
    punctuation, "STOP please" and, when the companies' countries need them, Spanish and French.
    """
    exact = body.strip().upper()
    for kind, words in (("opt_out", TWILIO_OPT_OUT), ("opt_in", TWILIO_OPT_IN)):
        if exact in words:
            return kind, True
    words = _words(body)
    if not words:
        return None, False
    langs = [lang for lang in languages if lang in _LEADING_STOP] or ["en"]
    if words[0] in set().union(*(_LEADING_STOP[lang] for lang in langs)):
        return "opt_out", False
    if len(words) == 1 and words[0] in set().union(*(_ALONE_STOP[lang] for lang in langs)):
        return "opt_out", False
    if len(words) == 1 and words[0] in _OPT_IN:
        return "opt_in", False
    if words[0] in set().union(*(_HELP[lang] for lang in langs)):
        return "help", False  # we answer HELP ourselves, whatever Twilio does
    return None, False
