"""Standing in a walk-up line: joining (phone or kiosk), one's place and wait, the screen while
waiting, and leaving. Calling people to chairs is in calls.py; the figures in stats.py."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import NamedTuple

from sqlalchemy import and_, func, null, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from ..config import TextSettings
from ..errors import ChairopsError, NotFound, ValidationError
from ..formatting import clock
from ..messaging.outbox import cancel_pending, cancel_pending_for_event, enqueue
from ..messaging.texts import STOP_LINE
from ..models import Booking, Event, LineEntry, Message
from ..screening.rules import Answers, InvalidAnswers, Outcome, evaluate
from ..screening.service import stored_outcome
from ..seating.seats import NAME_LIMIT, Claim, validate_person
from ..tokens import hash_token, link_digest, same_hash
from . import rules


class NotALine(ChairopsError):
    """A line action on an event whose people book times instead."""

    problem = "not-a-line"
    status = 409
    title = "This event books times: it has no walk-up line"


class LineClosed(ChairopsError):
    problem = "line-closed"
    status = 410
    title = "The line is closed"


class AlreadyInLine(ChairopsError):
    problem = "already-in-line"
    status = 409
    title = "Already in the line"


class LineEntryNotFound(NotFound):
    problem = "line-not-found"
    title = "Place in line not found"


class LineScreenClosed(ChairopsError):
    problem = "screen-closed"
    status = 409
    title = "The questions are for people still waiting"


class Joiner(NamedTuple):
    """What a person gives to join: raw values, validated by join(). Kiosk joins give a name."""

    name: object
    phone: object = None
    sms_consent: object = False


class Place(NamedTuple):
    """Where an entry stands, for its page and the API."""

    entry: LineEntry
    status: str  # rules.shown_status: waiting, called, in_chair, served, left, missed, closed
    position: int | None  # 1 = next to be called; None once called or gone
    wait_minutes: int | None
    chair: int | None


def require_line(event: Event) -> None:
    if event.kind != "line":
        raise NotALine("This event books times: pick one on its sign-up page instead.")


def hours_of(event: Event) -> rules.Hours:
    return rules.event_hours(event.date, event.start_time, event.end_time, event.timezone)


def step_minutes(event: Event) -> int:
    """One person's turn at a chair: the session and the turnover after it."""
    return event.slot_minutes + event.buffer_minutes


def wait_for(event: Event, position: int) -> int:
    return rules.estimated_wait_minutes(position, event.chairs_count, step_minutes(event))


def waiting_count(session: Session, event_id: int) -> int:
    return (
        session.scalar(
            select(func.count(LineEntry.id)).where(
                LineEntry.event_id == event_id, LineEntry.status == "waiting"
            )
        )
        or 0
    )


def join_state(session: Session, event: Event, now: dt.datetime, cfg: rules.LineSettings) -> str:
    """'not_yet', 'open', 'full' or 'over': whether a person may join right now."""
    if event.status != "published":
        return "over"
    return rules.join_state(
        now, hours_of(event), cfg.join_early_minutes, waiting_count(session, event.id),
        event.chairs_count, step_minutes(event), event.slot_minutes,
    )  # fmt: skip


def closed_reason(event: Event, state: str, cfg: rules.LineSettings) -> str:
    """Why joining is refused, in words for the person at the poster."""
    if state == "not_yet":
        opens = rules.joining_opens(hours_of(event), cfg.join_early_minutes)
        return f"The line opens at {clock(opens, event.timezone)}. Please come back then."
    if state == "full":
        return "The line is full: the people in it now will keep every chair busy until closing."
    if event.status == "cancelled":
        return "This event was cancelled."
    return "The line has closed for this event."


def join(
    session: Session,
    event: Event,
    joiner: Joiner,
    now: dt.datetime,
    cfg: rules.LineSettings,
    kiosk: bool = False,
) -> tuple[LineEntry, str]:
    """Put a person at the end of the line; return the entry and its one-time page token."""
    require_line(event)
    state = join_state(session, event, now, cfg)
    if state != "open":
        raise LineClosed(closed_reason(event, state, cfg))
    name, phone, consent = _person(event, joiner, kiosk)
    if phone:
        _settle_finished(session, event.id, phone, now)
    token = secrets.token_urlsafe(32)
    entry = LineEntry(
        event_id=event.id, name=name, phone=phone, sms_consent_at=now if consent else None,
        kiosk=kiosk, status="waiting", token_hash=hash_token(token), joined_at=now, line_at=now,
        not_here_count=0, created_at=now, updated_at=now,
    )  # fmt: skip
    try:
        with session.begin_nested():
            session.add(entry)
            session.flush()
    except IntegrityError:
        raise AlreadyInLine("This number is in the line already: use the page you got.") from None
    return entry, token


def _person(event: Event, joiner: Joiner, kiosk: bool) -> tuple[str, str | None, bool]:
    """Name, E.164 phone and texting consent, or a ValidationError naming each bad field."""
    if kiosk:
        name = joiner.name.strip() if isinstance(joiner.name, str) else ""
        if not 0 < len(name) <= NAME_LIMIT:
            raise ValidationError({"name": f"Give a name of up to {NAME_LIMIT} characters."})
        return name, None, False
    claim = Claim(joiner.name, joiner.phone, None, sms_consent=joiner.sms_consent)
    name, phone, _ = validate_person(event, claim)
    return name, phone, joiner.sms_consent is True


def _settle_finished(session: Session, event_id: int, phone: str, now: dt.datetime) -> None:
    """A called person whose massage is over (or who never came) may join again."""
    for to, statuses in (("served", ("completed",)), ("missed", ("no_show", "cancelled"))):
        finished = select(Booking.id).where(Booking.status.in_(statuses))
        session.execute(
            update(LineEntry)
            .where(
                LineEntry.event_id == event_id,
                LineEntry.phone == phone,
                LineEntry.status == "called",
                LineEntry.booking_id.in_(finished),
            )
            .values(status=to, ended_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )


def entry_by_token(session: Session, token: str) -> LineEntry:
    """The entry behind a place link, or LineEntryNotFound."""
    digest = link_digest(token)
    if digest is None:
        raise LineEntryNotFound("This link does not match a place in a line.")
    entry = session.scalar(
        select(LineEntry)
        .options(joinedload(LineEntry.event).joinedload(Event.company))
        .where(LineEntry.token_hash == digest)
    )
    if entry is None or not same_hash(entry.token_hash, digest):
        raise LineEntryNotFound("This link does not match a place in a line.")
    return entry


def ahead_of(entry: LineEntry):
    """The condition 'waiting in this line, before this entry' in (line_at, id) order."""
    return and_(
        LineEntry.event_id == entry.event_id,
        LineEntry.status == "waiting",
        or_(
            LineEntry.line_at < entry.line_at,
            and_(LineEntry.line_at == entry.line_at, LineEntry.id < entry.id),
        ),
    )


def position_of(session: Session, entry: LineEntry) -> int:
    return (session.scalar(select(func.count(LineEntry.id)).where(ahead_of(entry))) or 0) + 1


def place_of(session: Session, entry: LineEntry) -> Place:
    """Where the entry stands, as its page shows it."""
    booking_status = entry.booking.status if entry.booking_id else None
    status = rules.shown_status(entry.status, booking_status, entry.event.status)
    if status != "waiting":
        chair = entry.chair_number if status in ("called", "in_chair", "served") else None
        return Place(entry, status, None, None, chair)
    position = position_of(session, entry)
    return Place(entry, status, position, wait_for(entry.event, position), None)


def move(session: Session, entry: LineEntry, frm: tuple[str, ...], to: str, now, **values) -> bool:
    """Move the entry from one of `frm` to `to` if nobody moved it first; True if this call did."""
    moved = session.execute(
        update(LineEntry)
        .where(LineEntry.id == entry.id, LineEntry.status.in_(frm))
        .values(status=to, updated_at=now, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(entry)
    return moved == 1


def leave(
    session: Session,
    entry: LineEntry,
    now: dt.datetime,
    cfg: rules.LineSettings,
    texts: TextSettings | None = None,
) -> bool:
    """One tap off the line; a called person who has not sat down frees the chair too."""
    gone = {"ended_at": now, "screen_answers": null()}
    if move(session, entry, ("waiting",), "left", now, **gone):
        notice_front(session, entry.event, now, cfg, texts)
        return True
    booking = entry.booking
    if entry.status != "called" or booking is None or booking.status != "booked":
        return False
    if not move(session, entry, ("called",), "left", now, **gone):
        return False
    booking.status, booking.status_changed_at = "cancelled", now
    cancel_pending(session, booking.id)
    session.flush()
    return True


def take_screen(session: Session, entry: LineEntry, raw: object, now: dt.datetime) -> Outcome:
    """Store the pre-chair screen of a waiting person; the call moves it to their booking."""
    if entry.status != "waiting":
        raise LineScreenClosed("Your therapist will go through the questions at the chair.")
    try:
        answers = Answers.from_dict(raw)
    except InvalidAnswers as exc:
        raise ValidationError(exc.errors) from exc
    stored = session.execute(
        update(LineEntry)
        .where(LineEntry.id == entry.id, LineEntry.status == "waiting")
        .values(screen_answers=answers.to_dict(), screened_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(entry)
    if not stored:  # a chair called them a moment ago
        raise LineScreenClosed("A chair just called you: your therapist will ask at the chair.")
    return evaluate(answers)


def screen_outcome(entry: LineEntry) -> Outcome | None:
    """The outcome of the screen the person took while waiting, wherever it is kept now."""
    booking = entry.booking
    if booking is not None and booking.screen is not None:
        return stored_outcome(booking.screen)
    if entry.screen_answers:
        return evaluate(Answers.from_dict(entry.screen_answers))
    return None


def purge_answers(session: Session, now: dt.datetime, retention_days: int) -> int:
    """Screens taken while waiting by people never called: dropped after the retention period."""
    cutoff = (now - dt.timedelta(days=retention_days)).date()
    old = select(Event.id).where(Event.date < cutoff)
    return session.execute(
        update(LineEntry)
        .where(LineEntry.event_id.in_(old), LineEntry.screen_answers.is_not(None))
        .values(screen_answers=null())
        .execution_options(synchronize_session=False)
    ).rowcount


def textable(entry: LineEntry) -> bool:
    return bool(entry.phone) and entry.sms_consent_at is not None


def text(session: Session, entry: LineEntry, kind: str, body: str, key: str, now, **extra):
    """One line text through the outbox; the STOP line is added if it is the number's first."""
    return enqueue(
        session, to=entry.phone, kind=kind, body=body, key=key, send_at=now,
        event_id=entry.event_id, first_text_line=STOP_LINE, **extra,
    )  # fmt: skip


def front(session: Session, event_id: int, limit: int) -> list[LineEntry]:
    """The first `limit` people waiting, in line order."""
    return list(
        session.scalars(
            select(LineEntry)
            .where(LineEntry.event_id == event_id, LineEntry.status == "waiting")
            .order_by(LineEntry.line_at, LineEntry.id)
            .limit(limit)
        )
    )


def tell_cancelled(session: Session, event: Event, now: dt.datetime, texts: TextSettings) -> int:
    """The line's event is cancelled: everyone still waiting who can be texted hears so, once.

    People already called hold a booking, and the event's cancellation texts them about it;
    a "you're nearly up" text that has not gone yet never goes.
    """
    cancel_pending_for_event(session, event.id, ("line_notice",))
    waiting = session.scalars(
        select(LineEntry)
        .where(LineEntry.event_id == event.id, LineEntry.status == "waiting")
        .order_by(LineEntry.line_at, LineEntry.id)
    )
    body = rules.cancelled_text(texts.brand, event.title)
    told = 0
    for entry in waiting:
        if textable(entry):
            text(session, entry, "event_cancelled", body, f"line:{entry.id}:cancelled", now)
            told += 1
    return told


def notice_front(
    session: Session,
    event: Event,
    now: dt.datetime,
    cfg: rules.LineSettings,
    texts: TextSettings | None,
) -> int:
    """The line moved: whoever is now among the first few hears so, once, in the event's hours.

    "Once" is the outbox's unique key, not a flag on the entry: writing to a waiting entry would
    hold its row, and a chair calling at that moment would have to wait for it.
    """
    if texts is None or not rules.may_text(now, hours_of(event)):
        return 0
    ahead = front(session, event.id, cfg.notice_place)
    keys = {e.id: f"line:{e.id}:notice" for e in ahead if textable(e)}
    done = set(
        session.scalars(
            select(Message.idempotency_key).where(Message.idempotency_key.in_(keys.values()))
        )
    )
    sent = 0
    for place, entry in enumerate(ahead, 1):
        if entry.id in keys and keys[entry.id] not in done:
            body = rules.notice_text(texts.brand, place, wait_for(event, place))
            text(session, entry, "line_notice", body, keys[entry.id], now)
            sent += 1
    return sent
