"""Calling the next person in line to a chair, and "not here" when they do not come.

A call settles in the database: on PostgreSQL the first waiting row is locked (FOR UPDATE) and
then moved by a conditional update; on SQLite, which has no row locks, the conditional update
alone decides and a loser tries the next person. The lock deliberately does not SKIP LOCKED: a
waiting row is also held for a moment by its person leaving or sending their screen, and
skipping it then would call the second in line before the first. Waiting a few milliseconds for
that row costs nothing; two chairs pressing at once are settled one after the other.

Each call gives the person a walk-in booking on a fresh slot of that chair starting now, so the
tablet's queue, routine card, statuses, undo and self-care tips work for them unchanged; a screen
taken while waiting moves to that booking.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..config import TextSettings
from ..errors import ChairopsError, EventConflict, NotFound
from ..formatting import clock
from ..messaging.outbox import cancel_pending
from ..models import Booking, Chair, Event, LineEntry, Slot, User
from ..screening.service import submit_screen
from ..seating.seats import new_booking
from . import rules
from .service import (
    front,
    hours_of,
    notice_front,
    place_of,
    require_line,
    text,
    textable,
    wait_for,
)

# Only a burst of other chairs taking people first can make a SQLite call miss this often.
MAX_TRIES = 50


class LineEmpty(ChairopsError):
    problem = "line-empty"
    status = 409
    title = "Nobody is waiting in the line"


class NotCalled(ChairopsError):
    """Not here for someone who is not called to a chair, or who has sat down already."""

    problem = "not-called"
    status = 409
    title = "This person is not waiting to come to a chair"


class GraceNotOver(ChairopsError):
    problem = "grace-not-over"
    status = 409
    title = "Give them a little longer"


class CalledAlready(ChairopsError):
    """A second tap on "Call next": this chair called someone since the tablet showed it."""

    problem = "called-already"
    status = 409
    title = "This chair just called someone"


def call_next(
    session: Session,
    chair: Chair,
    now: dt.datetime,
    cfg: rules.LineSettings,
    texts: TextSettings | None = None,
    expect_last: int | None = None,
) -> LineEntry:
    """Call the first person in line to this chair; never refused for the chair's own state.

    `expect_last` is the id of the last person this chair called as the tablet showed it (0 for
    nobody): when the chair has called someone else since, this is a double tap and calls nobody.
    """
    event = chair.event
    require_line(event)
    if event.status not in ("published", "closed"):
        raise EventConflict(f"This event is {event.status}: nobody can be called.")
    entry = _take_first(session, event.id, chair.number, now, expect_last)
    previous = entry.booking
    booking = _seat(session, entry, chair, now)
    _carry_screen(session, entry, previous, booking)
    session.flush()
    if texts and textable(entry) and rules.may_text(now, hours_of(event)):
        body = rules.called_text(texts.brand, chair.number, cfg.grace_minutes)
        key = f"line:{entry.id}:called:{entry.not_here_count}"
        # Pointless once the grace time is over: the dispatcher drops it then.
        until = now + dt.timedelta(minutes=cfg.grace_minutes)
        text(session, entry, "line_called", body, key, now, booking=booking, valid_until=until)
    notice_front(session, event, now, cfg, texts)
    return entry


def last_called_id(session: Session, event_id: int, number: int) -> int:
    """The id of the person this chair called last, or 0."""
    last = session.scalar(
        select(LineEntry.id)
        .where(LineEntry.event_id == event_id, LineEntry.chair_number == number)
        .order_by(LineEntry.called_at.desc(), LineEntry.id.desc())
        .limit(1)
    )
    return last or 0


def _take_first(
    session: Session, event_id: int, number: int, now: dt.datetime, expect_last: int | None
) -> LineEntry:
    """Mark the first waiting person called by this chair; LineEmpty when nobody waits."""
    postgres = session.get_bind().dialect.name == "postgresql"
    for _ in range(MAX_TRIES):
        first = (
            select(LineEntry.id)
            .where(LineEntry.event_id == event_id, LineEntry.status == "waiting")
            .order_by(LineEntry.line_at, LineEntry.id)
            .limit(1)
        )
        entry_id = session.scalar(first.with_for_update() if postgres else first)
        if entry_id is None:
            raise LineEmpty("Nobody is waiting in the line.")
        # Read after the lock, so a first tap that committed meanwhile is seen.
        if expect_last is not None and last_called_id(session, event_id, number) != expect_last:
            raise CalledAlready("This chair called someone a moment ago: see the queue.")
        called = session.execute(
            update(LineEntry)
            .where(LineEntry.id == entry_id, LineEntry.status == "waiting")
            .values(
                status="called",
                called_at=now,
                chair_number=number,
                updated_at=now,
                first_called_at=func.coalesce(LineEntry.first_called_at, now),
            )  # fmt: skip
            .execution_options(synchronize_session=False)
        ).rowcount
        if called:
            return session.get(LineEntry, entry_id, populate_existing=True)
    raise LineEmpty("Other chairs are calling people right now: please try again.")


def _seat(session: Session, entry: LineEntry, chair: Chair, now: dt.datetime) -> Booking:
    """A walk-in booking for the called person on a new slot of this chair, starting now."""
    event = chair.event
    latest = session.scalar(select(func.max(Slot.starts_at)).where(Slot.chair_id == chair.id))
    # Two calls to one chair within the same microsecond still get distinct slots.
    start = now if latest is None or latest < now else latest + rules.TICK
    slot = Slot(
        event_id=event.id,
        chair_id=chair.id,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=event.slot_minutes),
    )
    consent = entry.sms_consent_at is not None
    # The manage token is not handed out: the person's line page is their link.
    booking, _ = new_booking(event, entry.name, entry.phone, now, consent, walk_in=True)
    booking.phone_key = None  # the line's own index keeps one live place per phone
    booking.slot = slot
    session.add_all([slot, booking])
    entry.booking = booking
    session.flush()
    return booking


def _carry_screen(session: Session, entry: LineEntry, previous, booking: Booking) -> None:
    """The screen goes with the person: from the booking of a missed call, or from the line."""
    if previous is not None and previous.screen is not None:
        previous.screen.booking = booking
        session.flush()
        return
    if entry.screen_answers:
        taken = min(entry.screened_at, booking.slot.starts_at - rules.TICK)
        submit_screen(session, booking, entry.screen_answers, taken, taken_by="attendee")
        entry.screen_answers = None


def entry_for_staff(session: Session, user: User, entry_id: int) -> LineEntry:
    """A line entry of an event where this therapist has a chair (any, for an admin), else 404."""
    entry = session.get(LineEntry, entry_id)
    if entry is None or user.role not in ("admin", "therapist"):
        raise NotFound("No such place in line for you.")
    if user.role == "therapist":
        mine = select(Chair.id).where(
            Chair.event_id == entry.event_id, Chair.therapist_id == user.id
        )
        if session.scalar(mine) is None:
            raise NotFound("No such place in line for you.")
    return entry


def not_here(
    session: Session,
    entry: LineEntry,
    now: dt.datetime,
    cfg: rules.LineSettings,
    texts: TextSettings | None = None,
) -> LineEntry:
    """A called person did not come within the grace time: back behind the next two people
    once, then off the line. Their booking is cancelled; they are texted either way."""
    booking, event = entry.booking, entry.event
    if entry.status != "called" or booking is None or booking.status not in ("booked", "no_show"):
        raise NotCalled(f"{entry.name} is not waiting to come to a chair.")
    due = entry.called_at + dt.timedelta(minutes=cfg.grace_minutes)
    if now < due:
        raise GraceNotOver(f"Give {entry.name} until {clock(due, event.timezone)}.")
    again = entry.not_here_count == 0
    values = _requeued(session, entry, now) if again else {"ended_at": now}
    moved = session.execute(
        update(LineEntry)
        .where(LineEntry.id == entry.id, LineEntry.called_at == entry.called_at)
        .where(LineEntry.status == "called")
        .values(status="waiting" if again else "missed", updated_at=now, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(entry)
    if not moved:
        raise NotCalled(f"{entry.name} was dealt with a moment ago.")
    if booking.status == "booked":
        booking.status, booking.status_changed_at = "cancelled", now
    cancel_pending(session, booking.id)
    session.flush()
    _text_missed(session, entry, event, now, texts)
    notice_front(session, event, now, cfg, texts)
    return entry


def _requeued(session: Session, entry: LineEntry, now: dt.datetime) -> dict:
    """The columns of a person going back in line behind the next two."""
    ahead = [(e.line_at, e.id) for e in front(session, entry.event_id, rules.REQUEUE_BEHIND + 1)]
    line_at = rules.requeue_at(entry.id, ahead) or entry.line_at
    return {"line_at": line_at, "requeued_at": now, "not_here_count": entry.not_here_count + 1}


def _text_missed(session: Session, entry: LineEntry, event: Event, now, texts) -> None:
    if not texts or not textable(entry) or not rules.may_text(now, hours_of(event)):
        return
    key = f"line:{entry.id}:missed:{entry.not_here_count}:{entry.status}"
    if entry.status == "waiting":
        place = place_of(session, entry).position or 1
        wording = rules.requeued_text(
            texts.brand, entry.chair_number, place, wait_for(event, place)
        )
    else:
        join_url = f"{texts.base_url}/e/{event.share_token}"
        wording = rules.removed_text(texts.brand, event.title, join_url)
    text(session, entry, "line_missed", wording, key, now)
