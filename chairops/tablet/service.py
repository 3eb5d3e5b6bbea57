"""The therapist's chair: its queue, status moves, undo, walk-ins, running late, assignment."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, contains_eager, joinedload

from .. import waitlist
from ..errors import BadTransition, BookingNotFound, NotFound, NotNow, ValidationError
from ..eventday.rules import day_of, days_around, is_over, local_today
from ..messaging import notify
from ..messaging.outbox import cancel_pending
from ..messaging.rules import allowed_countries
from ..models import Booking, Chair, Event, Slot, User
from ..phones import parse_mobile
from ..screening.rules import may_see_screen
from ..seating.availability import active_slot_ids
from ..seating.seats import NAME_LIMIT, new_booking, seat_in_first_free
from . import rules


class ChairQueue(NamedTuple):
    """Everything the queue page and the queue API need, loaded in a fixed number of queries."""

    event: Event
    chair: Chair
    bookings: dict[int, Booking]
    queue: rules.Queue

    @property
    def focus(self) -> Booking | None:
        """The person in the chair, or else the next one: whose card the tablet shows."""
        entry = self.queue.now or self.queue.next
        return self.bookings[entry.id] if entry else None

    def expected(self, booking: Booking) -> dt.datetime:
        return rules.expected_start(booking.slot.starts_at, self.chair.late_minutes, booking.status)


def chair_for(session: Session, user: User, event_id: int, number: int) -> Chair:
    """A chair the user may work: its own therapist, or an admin. Anything else is 404."""
    chair = session.scalar(
        select(Chair)
        .options(joinedload(Chair.event))
        .where(Chair.event_id == event_id, Chair.number == number)
    )
    if chair is None or not _works(user, chair):
        raise NotFound("No such chair for you.")
    return chair


def _works(user: User, chair: Chair) -> bool:
    # The tablet shows screen outcomes, so it follows the one rule for health data.
    return may_see_screen(user.role, user.id, chair.therapist_id)


def booking_for_staff(session: Session, user: User, booking_id: int) -> Booking:
    """A booking on a chair the user works; another chair's booking is 404."""
    booking = session.scalar(
        select(Booking)
        .options(joinedload(Booking.slot).joinedload(Slot.chair))
        .where(Booking.id == booking_id)
    )
    if booking is None or not _works(user, booking.slot.chair):
        raise BookingNotFound()
    return booking


def load_queue(session: Session, chair: Chair) -> ChairQueue:
    """The chair's bookings (not cancelled) with their slots and screens, in one query."""
    rows = session.scalars(
        select(Booking)
        .join(Booking.slot)
        .options(contains_eager(Booking.slot), joinedload(Booking.screen))
        .where(Slot.chair_id == chair.id, Booking.status != "cancelled")
        .order_by(Slot.starts_at, Booking.id)
    ).unique()
    bookings = {b.id: b for b in rows}
    entries = [rules.QueueEntry(b.id, b.slot.starts_at, b.status) for b in bookings.values()]
    return ChairQueue(chair.event, chair, bookings, rules.arrange_queue(entries))


def queue_fingerprint(view: ChairQueue) -> list:
    """Everything the queue shows, as plain values: it changes whenever the page would."""
    return [
        view.chair.late_minutes,
        [
            (b.id, b.name, b.status, b.walk_in, b.slot_id, b.updated_at,
             b.screen.submitted_at if b.screen else None)
            for b in view.bookings.values()
        ],
    ]  # fmt: skip


def queue_etag(payload) -> str:
    """A short, stable fingerprint of what the queue shows."""
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def set_status(
    session: Session,
    booking: Booking,
    wanted: str,
    now: dt.datetime,
    texts: notify.TextSettings | None = None,
    lead: dt.timedelta = rules.CHECKIN_LEAD,
) -> Booking:
    """Move a booking forward, at a moment that makes sense on the venue's clock.

    Repeating the current status changes nothing (double taps); a move outside its window
    raises NotNow saying from when it is possible.
    """
    verdict = rules.check_move(booking.status, wanted)
    if verdict == "repeat":
        return booking
    if verdict == "bad":
        raise BadTransition(
            f"A booking that is {_words(booking.status)} cannot become {_words(wanted)}."
        )
    refusal = move_refusal(booking, wanted, now, lead)
    if refusal is not None:
        raise NotNow(rules.not_now_detail(refusal, booking.event.timezone, now))
    booking.previous_status, booking.status = booking.status, wanted
    booking.status_changed_at = now
    session.flush()
    notify.status_changed(session, booking)
    if texts and wanted == "completed":
        notify.completed(session, booking, texts, now)
    if texts and wanted == "no_show":
        # The chair is free straight away: the waitlist hears "chair 2 is free now".
        waitlist.offer_free_slots(session, booking.event, now, texts)
    return booking


def move_refusal(
    booking: Booking, wanted: str, now: dt.datetime, lead: dt.timedelta = rules.CHECKIN_LEAD
) -> rules.Refusal | None:
    """Why `wanted` cannot happen to this booking now (None: it can), on the venue's clock."""
    day = day_of(booking.event)
    slot = booking.slot
    expected = rules.expected_start(slot.starts_at, slot.chair.late_minutes, booking.status)
    return rules.move_window(
        wanted, now, (day.day_start, day.day_end), slot.starts_at, expected, lead
    )


def blocked_moves(view: ChairQueue, now: dt.datetime, lead: dt.timedelta) -> dict:
    """{(booking id, move): short caption} for the queue's moves that cannot happen yet."""
    tz, blocked = view.event.timezone, {}
    for booking in view.bookings.values():
        for wanted in rules.FORWARD.get(booking.status, ()):
            refusal = move_refusal(booking, wanted, now, lead)
            if refusal is not None:
                blocked[(booking.id, wanted)] = rules.refusal_label(refusal, tz, now)
    return blocked


def walk_in_refusal(event: Event, now: dt.datetime) -> str | None:
    """Why walk-ins cannot be added now (a short caption), or None when they can."""
    day = day_of(event)
    refusal = rules.walk_in_window(now, day.opens, day.closes)
    return rules.refusal_label(refusal, event.timezone, now) if refusal else None


def step_timer(booking: Booking, minutes: list[float], now: dt.datetime) -> rules.StepClock:
    """The routine's steps timed from when this person's session started (if it has)."""
    started = booking.status_changed_at if booking.status == "in_service" else None
    return rules.step_clock(minutes, started, now)


def _waiting(session: Session, chair: Chair) -> list[Booking]:
    view = load_queue(session, chair)
    entries = ([view.queue.next] if view.queue.next else []) + view.queue.later
    return [view.bookings[e.id] for e in entries if e.status in rules.WAITING]


def undo_last(session: Session, booking: Booking, now: dt.datetime) -> Booking:
    """Put back the status before the last move, within the short undo window."""
    if not rules.can_undo(booking.previous_status, booking.status_changed_at, now):
        raise BadTransition("There is nothing to undo for this person any more.")
    undone = booking.status
    try:
        with session.begin_nested():
            booking.status, booking.previous_status = booking.previous_status, None
            booking.status_changed_at = now
            session.flush()
    except IntegrityError:
        raise BadTransition("Someone else has this slot now, so it cannot be undone.") from None
    if undone == "completed":
        cancel_pending(session, booking.id, ("tips",))
    return booking


def add_walk_in(
    session: Session, chair: Chair, name: object, phone: object, now: dt.datetime
) -> Booking:
    """Seat a walk-in in the chair's next free slot that has not ended."""
    if chair.event.kind == "line":  # a walk-in there joins the line, so nobody jumps it
        raise ValidationError({"name": "This event has a walk-up line: add them at the kiosk."})
    name = name.strip() if isinstance(name, str) else ""
    errors = {} if 0 < len(name) <= NAME_LIMIT else {"name": "Give the person's name."}
    number = None
    if isinstance(phone, str) and phone.strip():
        try:
            company = chair.event.company
            allowed = allowed_countries(company.country, company.sms_countries)
            number = parse_mobile(phone, company.country, allowed)
        except ValueError as exc:
            errors["phone"] = str(exc)
    if errors:
        raise ValidationError(errors)
    day = day_of(chair.event)
    refusal = rules.walk_in_window(now, day.opens, day.closes)
    if refusal is not None:
        raise NotNow(rules.not_now_detail(refusal, chair.event.timezone, now))
    free = session.scalars(
        select(Slot.id)
        .where(Slot.chair_id == chair.id, Slot.ends_at > now)
        .where(Slot.id.not_in(active_slot_ids(chair.event_id)))
        .order_by(Slot.starts_at)
    ).all()
    booking, _ = new_booking(chair.event, name, number, now, sms_consent=bool(number), walk_in=True)
    if not seat_in_first_free(session, booking, list(free)):
        raise ValidationError({"name": "This chair has no free slot left today."})
    return booking


def set_late(
    session: Session,
    chair: Chair,
    minutes: int,
    now: dt.datetime | None = None,
    texts: notify.TextSettings | None = None,
) -> Chair:
    """Say how late the chair runs; waiting people's expected times and "up next" texts shift."""
    chair.late_minutes = rules.clamp_late(minutes)
    session.flush()
    if texts and now:
        notify.chair_changed(session, _waiting(session, chair), texts, now)
    return chair


def assign_therapist(session: Session, event: Event, number: int, user_id: object) -> Chair:
    """Give a chair to an active therapist (None frees it)."""
    chair = next((c for c in event.chairs if c.number == number), None)
    if chair is None:
        raise NotFound("No such chair.")
    if user_id is None or user_id == "":
        chair.therapist = None
        session.flush()
        return chair
    user = (
        session.get(User, user_id)
        if isinstance(user_id, int) and not isinstance(user_id, bool)
        else None
    )
    if user is None or user.role != "therapist" or not user.active:
        raise ValidationError({"user_id": "Choose an active therapist."})
    chair.therapist = user
    session.flush()
    return chair


class ChairTile(NamedTuple):
    """One of the therapist's chairs on the tablet home, with whether its day is today."""

    chair: Chair
    today: bool


def therapist_chairs(session: Session, user: User, now: dt.datetime) -> list[ChairTile]:
    """The chairs this therapist works at events not yet over, soonest first, each in its zone."""
    earliest, _ = days_around(now)
    chairs = session.scalars(
        select(Chair)
        .join(Chair.event)
        .options(contains_eager(Chair.event))
        .where(Chair.therapist_id == user.id, Event.date >= earliest)
        .where(Event.status.in_(("published", "closed")))
        .order_by(Event.date, Event.start_time, Chair.number)
    )
    return [
        ChairTile(chair, chair.event.date == local_today(now, chair.event.timezone))
        for chair in chairs
        if not is_over(now, chair.event.date, chair.event.timezone)
    ]


def therapists(session: Session) -> list[User]:
    return list(
        session.scalars(
            select(User).where(User.role == "therapist", User.active).order_by(User.name)
        )
    )


def _words(status: str) -> str:
    return status.replace("_", " ")
