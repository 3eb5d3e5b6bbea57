"""Taking the pre-chair screen, reading it as staff, and purging raw answers after retention."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..audit import record
from ..booking.service import screen_open
from ..errors import BookingNotFound, ChairopsError, ValidationError
from ..messaging import notify
from ..models import ACTIVE_BOOKING_STATUSES, Booking, Screen, Slot, User
from .cards import Card, Step, load_card, scaled_steps
from .rules import (
    CAUTION_LABELS,
    DEFAULT_POLICY,
    Answers,
    InvalidAnswers,
    Outcome,
    Policy,
    attendee_advice,
    evaluate,
    may_see_screen,
)

# Counts for fewer people than this are withheld from coordinators.
SMALL_GROUP = 5


class ScreenClosed(ChairopsError):
    problem = "screen-closed"
    status = 409
    title = "The screen is closed"


class RoutineCard(NamedTuple):
    """What the therapist sees for one person: the card, scaled to the slot, and the cautions."""

    card: Card
    steps: list[Step]
    note: str
    cautions: list[str]
    pressure: str | None
    avoid_note: str | None


def submit_screen(
    session: Session,
    booking: Booking,
    raw: object,
    now: dt.datetime,
    taken_by: str = "attendee",
    policy: Policy = DEFAULT_POLICY,
    token: str | None = None,
    texts: notify.TextSettings | None = None,
) -> Outcome:
    """Validate and evaluate the answers and store them as the booking's newest screen."""
    if taken_by == "attendee" and not screen_open(booking, now):
        raise ScreenClosed("The screen closes when your massage starts.")
    if taken_by != "attendee" and booking.status not in ("booked", "checked_in"):
        raise ScreenClosed("This person's session has already started or ended.")
    try:
        answers = Answers.from_dict(raw)
    except InvalidAnswers as exc:
        raise ValidationError(exc.errors) from exc
    outcome = evaluate(answers, policy)
    if texts and token:
        notify.screened(session, booking, token, texts)
    if booking.screen is not None:
        _record(booking.screen, answers, outcome, taken_by, now)
        session.flush()
        return outcome
    try:
        with session.begin_nested():
            booking.screen = _record(Screen(), answers, outcome, taken_by, now)
            session.flush()
    except IntegrityError:
        # A double tap stored the first screen a moment ago: this one replaces it.
        session.refresh(booking, ["screen"])
        _record(booking.screen, answers, outcome, taken_by, now)
        session.flush()
    return outcome


def _record(screen: Screen, answers: Answers, outcome: Outcome, taken_by: str, now) -> Screen:
    screen.answers = answers.to_dict()
    screen.routine, screen.rule, screen.reason = outcome.routine, outcome.rule, outcome.reason
    screen.rule_version, screen.cautions = outcome.rule_version, list(outcome.cautions)
    screen.pressure = outcome.pressure_for(answers.pressure)
    screen.avoid_note = answers.avoid_note or None
    # The "before" of the outcomes report: kept with the outcome, since raw answers are purged.
    screen.pain_before = answers.low_back_pain
    screen.taken_by, screen.submitted_at, screen.answers_purged_at = taken_by, now, None
    return screen


def stored_outcome(screen: Screen) -> Outcome:
    """The outcome exactly as it was decided, whatever the rules say today."""
    return Outcome(
        screen.routine, screen.rule, tuple(screen.cautions), screen.rule_version, screen.reason
    )


def advice_for(screen: Screen) -> str:
    """The plain message the attendee sees; it never names the routine."""
    return attendee_advice(stored_outcome(screen))


def routine_card(screen: Screen, slot_minutes: int) -> RoutineCard:
    """The card for the person in the chair, its steps scaled to the slot length."""
    card = load_card(screen.routine)
    return RoutineCard(
        card=card,
        steps=scaled_steps(card, slot_minutes) if card.steps else [],
        note=card.note_for(screen.reason),
        cautions=[CAUTION_LABELS.get(code, code) for code in screen.cautions],
        pressure=screen.pressure,
        avoid_note=screen.avoid_note,
    )


def queue_screen_json(screen: Screen | None) -> dict | None:
    """The screen fields of the staff queue shape (API.md): never the raw answers."""
    if screen is None:
        return None
    return {
        "routine": screen.routine,
        "rule": screen.rule,
        "cautions": list(screen.cautions),
        "pressure": screen.pressure,
        "avoid_note": screen.avoid_note,
    }


def booking_for_therapist(session: Session, user: User, booking_id: int) -> Booking:
    """A booking whose health data this staff member may see (may_see_screen); else 404."""
    booking = session.get(Booking, booking_id)
    chair = booking.slot.chair if booking is not None else None
    if chair is None or not may_see_screen(user.role, user.id, chair.therapist_id):
        raise BookingNotFound()
    return booking


def reveal_answers(session: Session, booking: Booking, user: User, now: dt.datetime) -> dict | None:
    """The raw answers, on an explicit request that is written to the audit log."""
    rule = booking.screen.rule if booking.screen else None
    record(session, user, "screen.answers_viewed", booking, now, rule=rule)
    session.flush()
    return booking.screen.answers if booking.screen else None


def screen_counts(session: Session, event_id: int) -> dict:
    """Screens done among active bookings, withheld (None) for groups smaller than five."""
    active = Booking.status.in_(ACTIVE_BOOKING_STATUSES)
    booked = session.scalar(
        select(func.count(Booking.id)).where(Booking.event_id == event_id, active)
    )
    done = session.scalar(
        select(func.count(Screen.id)).join(Booking).where(Booking.event_id == event_id, active)
    )
    return {
        "bookings": booked,
        "screens_done": done if done >= SMALL_GROUP else None,
        "screens_pending": booked - done if booked - done >= SMALL_GROUP else None,
    }


def purge_screen_answers(session: Session, now: dt.datetime, retention_days: int) -> int:
    """Drop raw answers and notes of slots that ended more than the retention period ago."""
    cutoff = now - dt.timedelta(days=retention_days)
    old = select(Booking.id).join(Slot, Slot.id == Booking.slot_id).where(Slot.ends_at < cutoff)
    result = session.execute(
        update(Screen)
        .where(Screen.booking_id.in_(old), Screen.answers_purged_at.is_(None))
        .values(answers=None, avoid_note=None, answers_purged_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
