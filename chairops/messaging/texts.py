"""The wording of every text, in one place. Short, plain characters, general advice only."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

STOP_LINE = "Reply STOP to opt out."
SAFETY_LINE = (
    "Not medical advice; get urgent care for numbness around the groin, new bladder or bowel "
    "problems or leg weakness."
)
TIPS = {
    "low_back": (
        "For your low back: 10 slow glute bridges twice a day, a hip-flexor stretch 30s a side, "
        "and lean on a ball under each buttock against a wall for 1 min."
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


def confirmation(brand: str, name: str, at: str, where: str, chair: int, manage_url: str) -> str:
    return (
        f"{brand}: {name}, your chair massage is booked for {at} at {where}, chair {chair}. "
        f"Change or cancel: {manage_url} {STOP_LINE}"
    )


def moved(brand: str, at: str, where: str, chair: int, manage_url: str) -> str:
    return (
        f"{brand}: your chair massage is now {at} at {where}, chair {chair}. "
        f"Change or cancel: {manage_url}"
    )


def reminder(brand: str, at: str, where: str, screen_url: str | None, manage_url: str) -> str:
    if screen_url:
        return (
            f"{brand}: your chair massage is today at {at}, {where}. Before you sit down, please "
            f"answer 6 quick questions: {screen_url}"
        )
    return f"{brand}: see you today at {at}, {where}. Change or cancel: {manage_url}"


def up_next(brand: str, chair: int, at: str, where: str) -> str:
    return f"{brand}: you're up next! Chair {chair} is ready for you at {at}, {where}."


def tips(brand: str, tip_set: str) -> str:
    return f"{brand}: thanks for coming. {TIPS[tip_set]} {SAFETY_LINE}"


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
    return (
        f"{brand}: sorry, {title} is cancelled, so your chair massage on {at} is off. "
        "We hope to see you at the next one."
    )


def event_changed(brand: str, at: str, where: str) -> str:
    return f"{brand}: your chair massage on {at} is now at {where}. The time stays the same."


def waitlist_joined(brand: str, title: str, day: str, place_in_line: int, url: str) -> str:
    return (
        f"{brand}: you're on the waitlist for {title} ({day}), number {place_in_line} in line. "
        f"We'll text you if a chair frees up. Your place: {url}"
    )


def waitlist_offer(
    brand: str, at: str, where: str, chair: int, until: str, url: str, free_now: bool
) -> str:
    if free_now:
        return (
            f"{brand}: chair {chair} is free now at {where}. It's yours if you claim it by "
            f"{until}: {url}"
        )
    return (
        f"{brand}: a chair massage freed up for you: {at} at {where}, chair {chair}. "
        f"Claim it by {until}, then it goes to the next person: {url}"
    )


def booking_dropped(brand: str, title: str, at: str, signup_url: str | None) -> str:
    """An event's new schedule has no room for this booking: say sorry and how to book again."""
    event = title if len(title) <= 60 else "the event"  # keeps the text within two segments
    again = f"Book another time: {signup_url}" if signup_url else "We hope to see you another time."
    return (
        f"{brand}: sorry, {event} has changed and your chair massage on {at} is cancelled. {again}"
    )
