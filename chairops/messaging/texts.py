"""The wording of every text, in one place. Short, plain characters, general advice only.

Every text fits in two SMS segments (rules.fit_segments): names, titles and places are made
plain or shortened when they would not fit; the stop and safety lines never are. Texts that may
be a number's first leave room for the stop line the outbox adds to those.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from zoneinfo import ZoneInfo

from anyascii import anyascii

from . import rules

STOP_LINE = "Reply STOP to opt out."
SAFETY_LINE = (
    "Not medical advice; get urgent care for numbness around the groin, new bladder or bowel "
    "problems or leg weakness."
)
TIPS = {
    "low_back": (
        "Glute activation: 10 glute bridges a day. Hip mobility: hip-flexor stretch. Lean on a "
        "ball against the wall. 1-3 days of soreness is normal."
    ),
    "general": (
        "Desk tips: screen at eye level, feet flat, stand and roll your shoulders every 30 min, "
        "and take a short walk at lunch."
    ),
}


def when(moment: dt.datetime, tz: str) -> str:
    """'Thu 3 Dec, 2:15 PM' in the event's zone."""
    return moment.astimezone(ZoneInfo(tz)).strftime("%a %-d %b, %-I:%M %p")


def clock(moment: dt.datetime, tz: str) -> str:
    return moment.astimezone(ZoneInfo(tz)).strftime("%-I:%M %p")


def place(room: str, location: str) -> str:
    return f"{room}, {location}" if room else location


def plain(value: str) -> str:
    """The value in GSM-7 characters: 'Zoë' reads 'Zoe', a curly apostrophe a straight one."""
    out = []
    for ch in value:
        if rules.is_gsm7(ch):
            out.append(ch)
        elif not unicodedata.category(ch).startswith(("S", "C")):  # no emoji or controls
            out.append("".join(c for c in anyascii(ch) if rules.is_gsm7(c)))
    return " ".join("".join(out).split())


def plain_punctuation(value: str) -> str:
    """Curly quotes, dashes and odd spaces made plain: one pasted in sends a text as UCS-2."""
    return "".join(
        "".join(c for c in anyascii(ch) if rules.is_gsm7(c))
        if not rules.is_gsm7(ch) and unicodedata.category(ch)[0] in "PZ"
        else ch
        for ch in value
    )


# Chair numbers and expected times are fitted at their widest, so a text worded before its
# chair is known (the one-statement claim) reads the same as one worded after.
WIDEST_CHAIR = "999"
WIDEST_CLOCK = "10:00 AM"


def _fit(build, first_text: bool = True, **parts: str) -> str:
    """The text within two segments; room is left for the stop line on a number's first text."""
    return build(**_fit_parts(build, first_text, **parts))


def _fit_parts(build, first_text: bool = True, **parts: str) -> dict[str, str]:
    tail = f" {STOP_LINE}" if first_text else ""
    parts = {name: plain_punctuation(value) for name, value in parts.items()}
    return rules.fit_parts(build, parts, tail=tail, plain=plain)


def confirmation(brand: str, name: str, at: str, where: str, chair: int, manage_url: str) -> str:
    def build(name: str, where: str, chair: object = WIDEST_CHAIR) -> str:
        return (
            f"{brand}: {name}, your chair massage is booked for {at} at {where}, chair {chair}. "
            f"Change or cancel: {manage_url} {STOP_LINE}"
        )

    # It carries the stop line itself.
    return build(**_fit_parts(build, first_text=False, name=name, where=where), chair=chair)


def moved(brand: str, at: str, where: str, chair: int, manage_url: str) -> str:
    def build(where: str, chair: object = WIDEST_CHAIR) -> str:
        return (
            f"{brand}: your chair massage is now {at} at {where}, chair {chair}. "
            f"Change or cancel: {manage_url}"
        )

    return build(**_fit_parts(build, where=where), chair=chair)


def reminder(brand: str, at: str, where: str, screen_url: str | None, manage_url: str) -> str:
    if screen_url:
        return _fit(
            lambda where: (
                f"{brand}: your chair massage is today at {at}, {where}. Before you sit down, "
                f"please answer 6 quick questions: {screen_url}"
            ),
            where=where,
        )
    return _fit(
        lambda where: f"{brand}: see you today at {at}, {where}. Change or cancel: {manage_url}",
        where=where,
    )


def up_next(brand: str, chair: int, at: str, where: str) -> str:
    def build(where: str, chair: object = WIDEST_CHAIR, at: str = WIDEST_CLOCK) -> str:
        return f"{brand}: you're up next! Chair {chair} is ready for you at {at}, {where}."

    return build(**_fit_parts(build, where=where), chair=chair, at=at)


def tips(brand: str, tip_set: str) -> str:
    return f"{brand}: thanks for coming. {TIPS[tip_set]} {SAFETY_LINE}"


def followup(brand: str, after_glute_work: bool) -> str:
    """Two days after the massage: how is the lower back now?"""
    soreness = " Some soreness for 1-3 days after glute work is normal." if after_glute_work else ""
    return f"{brand}: How is your lower back today, 0 to 10? Reply with a number.{soreness}"


def followup_thanks(brand: str) -> str:
    """The one-line answer to a number sent back."""
    return f"{brand}: thank you, your answer is noted."


def help_text(brand: str) -> str:
    """The answer to HELP: who we are and how to stop."""
    return (
        f"{brand}: texts about your chair massage booking. To change or cancel, use the link in "
        "your confirmation text. " + STOP_LINE
    )


def other_reply_text(brand: str) -> str:
    """The answer to anything that is not a keyword: nobody reads replies here."""
    return (
        f"{brand}: replies to this number are not read. To change or cancel your chair massage, "
        "use the link in your confirmation text."
    )


def opted_out_text(brand: str) -> str:
    """The one confirmation of an opt-out that Twilio did not recognise (and so did not send)."""
    return f"{brand}: you will get no more texts from us. Reply START to get them again."


def event_cancelled(brand: str, title: str, at: str) -> str:
    return _fit(
        lambda title: (
            f"{brand}: sorry, {title} is cancelled, so your chair massage on {at} is off. "
            "We hope to see you at the next one."
        ),
        title=title,
    )


def event_changed(brand: str, at: str, where: str) -> str:
    return _fit(
        lambda where: (
            f"{brand}: your chair massage on {at} is now at {where}. The time stays the same."
        ),
        where=where,
    )


def waitlist_joined(brand: str, title: str, day: str, place_in_line: int, url: str) -> str:
    return _fit(
        lambda title: (
            f"{brand}: you're on the waitlist for {title} ({day}), number {place_in_line} in "
            f"line. We'll text you if a chair frees up. Your place: {url}"
        ),
        title=title,
    )


def waitlist_offer(
    brand: str, at: str, where: str, chair: int, until: str, url: str, free_now: bool
) -> str:
    if free_now:
        return _fit(
            lambda where: (
                f"{brand}: chair {chair} is free now at {where}. It's yours if you claim it by "
                f"{until}: {url}"
            ),
            where=where,
        )
    return _fit(
        lambda where: (
            f"{brand}: a chair massage freed up for you: {at} at {where}, chair {chair}. "
            f"Claim it by {until}, then it goes to the next person: {url}"
        ),
        where=where,
    )


def booking_dropped(brand: str, title: str, at: str, signup_url: str | None) -> str:
    """An event's new schedule has no room for this booking: say sorry and how to book again."""
    event = title if len(title) <= 60 else "the event"  # a long title says little here
    again = f"Book another time: {signup_url}" if signup_url else "We hope to see you another time."
    return _fit(
        lambda event: (
            f"{brand}: sorry, {event} has changed and your chair massage on {at} is cancelled. "
            f"{again}"
        ),
        event=event,
    )


def next_date_opens(brand: str, missed: str, day: str, opens: str | None, url: str) -> str:
    """To someone the waitlist did not seat: when the programme's next date opens for sign-up."""
    when = f"opens {opens}" if opens else "is open now"
    return f"{brand}: sorry we had no chair for you on {missed}. Sign-up for {day} {when}: {url}"
