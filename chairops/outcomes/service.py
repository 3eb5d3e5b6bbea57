"""Lower-back scores after the massage (at the chair) and two days later (by text)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.orm import Session, contains_eager

from ..config import TextSettings
from ..errors import ChairopsError, ValidationError
from ..messaging import rules as text_rules
from ..messaging import texts
from ..messaging.outbox import enqueue
from ..models import Booking, Event, Message, OptOut, Screen
from . import rules

# The tablet's undo window is 2 minutes: nobody is asked about a "complete" that may be undone.
SETTLE = dt.timedelta(minutes=5)
# A massage longer ago than this past its delay is not asked about (the clock was down, say).
ASK_WITHIN = dt.timedelta(days=2)
# A follow-up text counts as asked once it has left; these are the statuses that say so.
ASKED = ("sent", "delivered", "unknown")


class NoBeforeScore(ChairopsError):
    problem = "no-before-score"
    status = 409
    title = "No lower-back score before"


class NotNow(ChairopsError):
    problem = "not-now"
    status = 409
    title = "Not now"


def record_pain_after(
    session: Session, booking: Booking, raw: object, now: dt.datetime, skip: bool = False
) -> Screen:
    """Store the lower-back score right after the massage (or that the person skipped it)."""
    score = None
    if not skip:
        try:
            score = rules.parse_score(raw)
        except rules.InvalidInput as exc:
            raise ValidationError(exc.errors) from exc
    screen = booking.screen
    if screen is None or screen.pain_before is None:
        raise NoBeforeScore("This person gave no lower-back score before the massage.")
    if booking.status not in ("in_service", "completed"):
        raise NotNow("The score after is taken at the end of the massage.")
    event = booking.event
    if not rules.on_the_day(event.date, event.timezone, now):
        # Later changes would let a report viewed twice single one person out.
        raise NotNow("The score after can only be given on the day of the massage.")
    screen.pain_after, screen.pain_after_at = score, now
    # The tablet's queue fingerprint reads updated_at: other tablets drop the prompt too.
    booking.updated_at = now
    session.flush()
    return screen


def pain_after_prompt(bookings: Iterable[Booking]) -> Booking | None:
    """The chair's last finished person, if they gave a lower-back score before and no after yet."""
    done = [b for b in bookings if b.status == "completed" and b.status_changed_at is not None]
    if not done:
        return None
    last = max(done, key=lambda b: (b.status_changed_at, b.id))
    screen = last.screen
    if screen is None or screen.pain_before is None or screen.pain_after_at is not None:
        return None
    return last


def ask_followups(session: Session, now: dt.datetime, delay_hours: int, cfg: TextSettings) -> int:
    """Text the two-day question to people whose massage was `delay_hours` ago; return how many."""
    latest = now - max(dt.timedelta(hours=delay_hours), SETTLE)
    rows = session.scalars(
        select(Booking)
        .join(Booking.screen)
        .join(Booking.event)
        .options(contains_eager(Booking.screen), contains_eager(Booking.event))
        .where(Booking.status == "completed", Booking.sms_consent, Booking.phone.is_not(None))
        .where(Booking.status_changed_at <= latest, Booking.status_changed_at > latest - ASK_WITHIN)
        .where(Screen.pain_before.is_not(None), Screen.followup_asked_at.is_(None))
        .where(Screen.routine != "refer")  # no massage, nothing to follow up
    ).all()
    stopped = set(
        session.scalars(select(OptOut.phone).where(OptOut.phone.in_({b.phone for b in rows})))
    )
    asked = 0
    for booking in rows:
        if booking.phone in stopped:
            continue
        _ask(session, booking, now, cfg)
        asked += 1
    return asked


def _ask(session: Session, booking: Booking, now: dt.datetime, cfg: TextSettings) -> None:
    event: Event = booking.event
    send_at = text_rules.hold_to_quiet_hours(now, event.timezone)
    body = texts.followup(cfg.brand, booking.screen.routine == "glute_exception")
    enqueue(
        session, to=booking.phone, kind="followup", body=body,
        key=f"booking:{booking.id}:followup", send_at=send_at, booking=booking,
        first_text_line=texts.STOP_LINE,
    )  # fmt: skip
    booking.screen.followup_asked_at = send_at


def answer_followup(
    session: Session, phone: str, body: str, now: dt.datetime, brand: str
) -> str | None:
    """A bare 0-10 from a number asked in the last 7 days: record it once; None if not one."""
    score = rules.reply_score(body)
    if score is None:
        return None
    since = now - dt.timedelta(days=rules.FOLLOWUP_REPLY_DAYS)
    screen_id = session.scalar(
        select(Screen.id)
        .join(Message, Message.booking_id == Screen.booking_id)
        .where(Message.kind == "followup", Message.to == phone, Message.status.in_(ASKED))
        .where(Message.sent_at >= since, Message.sent_at <= now)
        .order_by(Message.sent_at.desc(), Message.id.desc())
        .limit(1)
    )
    if screen_id is None:
        return None
    # Only the first answer counts, so a replayed or repeated reply records nothing new.
    session.execute(
        update(Screen)
        .where(Screen.id == screen_id, Screen.pain_followup.is_(None))
        .values(pain_followup=score, pain_followup_at=now)
        .execution_options(synchronize_session=False)
    )
    return texts.followup_thanks(brand)
