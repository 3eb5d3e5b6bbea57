"""Demo data for `flask seed-demo`: a past event whose report has numbers, and a small one that
is withheld. Seed data only; it goes through the real services where they allow a past date."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..booking.service import Claim, claim_slot
from ..events.service import create_event, publish_event, validate_event
from ..models import Booking, Company, Event
from ..screening.service import submit_screen
from ..seating.availability import time_options
from .service import record_pain_after

BIG_TITLE = "Autumn wellness day"
SMALL_TITLE = "Small team morning"
_ANSWERS = {
    "pain_areas": ["lower_back"], "new_or_different": False, "leg_symptoms": "none",
    "red_flags": False, "conditions": [], "pressure": "medium", "avoid_note": "",
}  # fmt: skip
# (routine wanted, how many, before range, drop right after, change two days on from after)
_BIG = (
    ("glute_exception", 8, (7, 9), (3, 5), (0, 2)),
    ("standard", 9, (2, 5), (1, 2), (0, 1)),
    ("neck_only", 4, None, None, None),
    ("modified", 5, (5, 7), (1, 2), (0, 1)),
    ("refer", 1, (6, 6), None, None),
)
_SMALL = (("glute_exception", 2, (7, 8), (3, 4), (0, 1)), ("standard", 1, (3, 3), (1, 1), (0, 0)))


def seed_outcomes_demo(session: Session, company: Company, now: dt.datetime) -> list[Event]:
    """Two past events of the company with scores; nothing is added twice."""
    events = []
    for title, days_ago, people in ((BIG_TITLE, 14, _BIG), (SMALL_TITLE, 13, _SMALL)):
        event = session.scalar(
            select(Event).where(Event.company_id == company.id, Event.title == title)
        )
        events.append(event or _past_event(session, company, title, days_ago, people, now))
    return events


def _past_event(session, company, title, days_ago, people, now) -> Event:
    day = now.astimezone(ZoneInfo(company.timezone)).date() - dt.timedelta(days=days_ago)
    raw = {
        "title": title, "location": "1 Main Street, Springfield", "room": "Wellness room",
        "timezone": company.timezone, "date": day.isoformat(), "start_time": "09:00",
        "end_time": "12:00", "chairs": 4, "slot_minutes": 15, "buffer_minutes": 5,
    }  # fmt: skip
    event = create_event(session, company, validate_event(raw))
    publish_event(session, event)
    chance = random.Random(f"{title}-15")  # the same demo every time
    serial = 0
    for routine, count, before, drop, rebound in people:
        for _ in range(count):
            serial += 1
            _came(session, event, serial, routine, chance, before, drop, rebound)
    event.status = "completed"
    return event


def _came(session, event, n, routine, chance, before, drop, rebound) -> Booking:
    """One person booked the day before, screened, had their massage and scored it."""
    day_before = dt.datetime.combine(
        event.date - dt.timedelta(days=1), dt.time(12), tzinfo=ZoneInfo(event.timezone)
    )
    phone = f"+1202555{300 + n + (100 if event.title == SMALL_TITLE else 0):04d}"
    start = next(o.start for o in time_options(session, event, day_before) if o.available)
    claim = Claim(f"Demo person {n}", phone, start.isoformat(), True)
    booking, _ = claim_slot(session, event, claim, day_before)
    score = chance.randint(*before) if before else None
    submit_screen(session, booking, _answers(routine, score), day_before)
    end = booking.slot.ends_at
    booking.status, booking.previous_status, booking.status_changed_at = "completed", None, end
    if drop and score is not None:
        after = max(0, score - chance.randint(*drop))
        record_pain_after(session, booking, after, end)
        if rebound:
            screen = booking.screen
            screen.followup_asked_at = end + dt.timedelta(days=2)
            screen.pain_followup = min(10, after + chance.randint(*rebound))
            screen.pain_followup_at = end + dt.timedelta(days=2, hours=1)
    session.flush()
    return booking


def _answers(routine: str, score: int | None) -> dict:
    if routine == "neck_only":
        return {**_ANSWERS, "pain_areas": ["neck_shoulders"], "low_back_pain": None}
    answers = {**_ANSWERS, "low_back_pain": score}
    if routine == "modified":
        answers["leg_symptoms"] = "one_leg"  # sciatica caution
    if routine == "refer":
        answers["red_flags"] = True
    return answers
