"""People who came to an event, with lower-back scores, for the outcomes tests."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from chairops.models import Booking, utcnow
from chairops.screening.service import submit_screen

GLUTE = {
    "pain_areas": ["lower_back"], "low_back_pain": 8, "new_or_different": False,
    "leg_symptoms": "none", "red_flags": False, "conditions": [], "pressure": "firm",
    "avoid_note": "",
}  # fmt: skip
BACK_STANDARD = {**GLUTE, "low_back_pain": 4}  # some back pain, not severe: standard, scored
NECK_ONLY = {**GLUTE, "pain_areas": ["neck_shoulders"], "low_back_pain": None}  # no back score
SCIATICA = {**GLUTE, "leg_symptoms": "one_leg", "low_back_pain": 6}  # modified, scored
REFER = {**GLUTE, "red_flags": True}  # no massage today


def local(event, hhmm: str, days: int = 0) -> dt.datetime:
    """A wall-clock time on (or `days` after) the event's day, as a UTC instant."""
    day = event.date + dt.timedelta(days=days)
    moment = dt.datetime.combine(day, dt.time.fromisoformat(hhmm), tzinfo=ZoneInfo(event.timezone))
    return moment.astimezone(dt.UTC)


def local_today(tz: str = "America/New_York") -> dt.date:
    return utcnow().astimezone(ZoneInfo(tz)).date()


def event_on(make, day: dt.date, company=None, chairs: int = 4, **fields):
    """A published event on a local day, 09:00 to 17:00: 24 slots a chair."""
    return make.event(
        company=company, date=day.isoformat(), start_time="09:00", end_time="17:00",
        chairs=chairs, **fields,
    )  # fmt: skip


def came(
    make, session, event, n: int, answers: dict, after=None, two_days=None, name=None
) -> Booking:
    """Attendee n booked the day before, screened, and had their massage; scores as given."""
    name = name or f"Person {n}"
    booking, _ = make.booking(event, n, now=local(event, "12:00", -1), name=name)
    submit_screen(session, booking, answers, local(event, "12:30", -1))
    booking.status, booking.status_changed_at = "completed", booking.slot.ends_at
    screen = booking.screen
    if after is not None:
        screen.pain_after, screen.pain_after_at = after, booking.slot.ends_at
    if two_days is not None:
        screen.pain_followup = two_days
        screen.pain_followup_at = booking.slot.ends_at + dt.timedelta(days=2)
    session.commit()
    return booking
