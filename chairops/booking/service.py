"""Claiming, moving and cancelling slots. The unique indexes decide every race."""

from __future__ import annotations

import datetime as dt
from functools import cache

from sqlalchemy import (
    String,
    bindparam,
    inspect,
    literal_column,
    null,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, class_mapper, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from .. import waitlist
from ..driversql import DriverStatement
from ..errors import (
    AlreadyBooked,
    BookingNotFound,
    EventNotFound,
    SignupClosed,
    SlotTaken,
    ValidationError,
    WalkUpEvent,
)
from ..eventday.rules import day_of
from ..extensions import end_autocommit, run_in_autocommit
from ..messaging import notify
from ..messaging import rules as text_rules
from ..messaging import texts as wording
from ..models import Booking, Chair, Company, Event, Slot, Timestamp
from ..seating import fairness
from ..seating.availability import (
    TimeOption,
    free_slots_by_chair_load,
    signup_open,
    time_options,
    times_query,
)
from ..seating.seats import (
    Claim,
    holds_booking,
    new_booking,
    seat_in_first_free,
    validate_person,
)
from ..tokens import link_digest, same_hash
from . import claim_sql

TAKEN = "Someone just took the last chair at that time."
UNKNOWN_START = "That is not one of this event's times, or it has passed."


def claim_without_transaction(session: Session) -> None:
    """Run a claim request's statements in autocommit mode, on PostgreSQL, before anything else.

    There the claim is one statement (claim_sql.py), a transaction of its own: with the event's
    read before it, a successful claim is two round trips in all, no BEGIN and no COMMIT.
    claim_slot leaves autocommit for the rare work that needs a transaction (a programme's
    date; offers to the waitlist after the booker left it). The portable path (SQLite) takes
    several statements, so it keeps its transaction.
    """
    if one_statement_claims(session):
        run_in_autocommit(session)


def event_by_share_token(session: Session, token: str) -> Event:
    """The event behind a sign-up link, with its company, or EventNotFound.

    Every claim starts here, so it runs lean too (driversql.py)."""
    rows = _event_statement().rows(session, {"share_token": token})
    if not rows or rows[0].status == "draft":
        raise EventNotFound("No event matches this link. Check the link you were sent.")
    event = as_loaded(session, Event, _columns_of(Event, rows[0]))
    company = as_loaded(session, Company, _columns_of(Company, rows[0], "company_"))
    set_committed_value(event, "company", company)
    return event


def event_with_times(
    db: Session | Connection, share_token: str, now: dt.datetime
) -> tuple[Event | tuple, list[TimeOption]]:
    """The event behind a sign-up link and its times still to come, in one statement.

    The hottest read of a sign-up rush, so it runs lean (driversql.py): the first row holds the
    event's columns, each other row is a time. Given a session, the event joins it as if loaded
    (pages go on to use it). Given a connection, as a read that needs no session does (the JSON
    API's), the event is that first row itself: a read-only named tuple whose fields are the
    Event's columns, by the same names. Making an ORM object of it, only to read a few columns
    back, cost that read a twentieth of its instructions (callgrind).
    """
    statement = _event_with_times_statement()
    rows = statement.tuples(db, {"share_token": share_token, "now": now})
    first = statement.row._make(rows[0]) if rows else None
    if first is None or first.status == "draft":
        raise EventNotFound("No event matches this link. Check the link you were sent.")
    event = first if isinstance(db, Connection) else as_loaded(db, Event, _columns_of(Event, first))
    # A time's row leads with starts_at, ends_at and free: read by place, not named, as dozens are.
    return event, [TimeOption(row[0], row[1], int(row[2])) for row in rows[1:]]


def as_loaded(session: Session, model, values: dict):
    """An object of `model` made from column values read already, persistent in the session as
    if a query had loaded it (columns not given load when first used); if the session holds that
    object already, its copy wins."""
    obj = class_mapper(model).class_manager.new_instance()
    # Set as a query's load sets them: straight into the object's state, without the attribute
    # events (and their CPU) that `model(**values)` would fire only to be undone below.
    obj.__dict__.update(values)
    make_transient_to_detached(obj)
    held = session.identity_map.get(inspect(obj).key)
    if held is not None:
        return held
    session.add(obj)
    return obj


def _columns_of(model, row, prefix: str = "") -> dict:
    """The model's column values in a row read by a DriverStatement, keyed `prefix` + name."""
    return {key: getattr(row, prefix + key) for key in _column_keys(model)}


@cache
def _column_keys(model) -> tuple[str, ...]:
    return tuple(attr.key for attr in inspect(model).column_attrs)


@cache
def _event_statement() -> DriverStatement:
    """Built once: the event behind a bound share_token and its company (as company_*)."""
    token = bindparam("share_token", type_=String)
    company = [column.label(f"company_{column.key}") for column in Company.__table__.c]
    return DriverStatement(
        select(Event.__table__, *company)
        .join(Company.__table__, Company.id == Event.company_id)
        .where(Event.share_token == token)
    )


@cache
def _event_with_times_statement() -> DriverStatement:
    """Built once: a row of the event's columns, then a row per time, for share_token and now.

    The event's columns come once, not repeated beside every time (UNION ALL: the time rows
    carry NULL there, the event row NULL times, and sorts first). The time's columns lead.
    """
    token = bindparam("share_token", type_=String)
    event_id = select(Event.id).where(Event.share_token == token).scalar_subquery()
    times = times_query(event_id, bindparam("now", type_=Timestamp)).subquery()
    columns = Event.__table__.c
    no_time = [type_coerce(null(), column.type).label(column.key) for column in times.c]
    event_row = select(*no_time, *columns).where(Event.share_token == token)
    time_rows = select(*times.c, *(null().label(column.key) for column in columns))
    return DriverStatement(
        union_all(event_row, time_rows).order_by(literal_column("starts_at").nulls_first())
    )


def booking_by_token(session: Session, token: str) -> Booking:
    """The booking behind a manage token, or BookingNotFound."""
    digest = link_digest(token)
    if digest is None:
        raise BookingNotFound("This link does not match a booking.")
    booking = session.scalar(select(Booking).where(Booking.manage_token_hash == digest))
    if booking is None or not same_hash(booking.manage_token_hash, digest):
        raise BookingNotFound("This link does not match a booking.")
    return booking


def screen_open(booking: Booking, now: dt.datetime) -> bool:
    """Attendees may take or retake the screen until their slot starts."""
    return booking.status == "booked" and now < booking.slot.starts_at


def parse_start(session: Session, event: Event, raw: object, now: dt.datetime) -> dt.datetime:
    """Match an ISO 8601 start to one of the event's start times that has not begun."""
    start = _as_start(raw)
    found = session.scalar(
        select(Slot.starts_at)
        .where(Slot.event_id == event.id, Slot.starts_at == start, Slot.starts_at > now)
        .limit(1)
    )
    if found is None:
        raise ValidationError({"start": UNKNOWN_START})
    return found


def claim_slot(
    session: Session,
    event: Event,
    claim: Claim,
    now: dt.datetime,
    texts: notify.TextSettings | None = None,
) -> tuple[Booking, str]:
    """Book a free chair at the chosen start; return the booking and its one-time manage token."""
    if event.kind == "line":
        raise WalkUpEvent("This event is first come, first served: join the line instead.")
    if not signup_open(event, now):
        raise SignupClosed("Sign-up for this event is closed.")
    try:
        name, phone, email = validate_person(event, claim)
    except ValidationError as exc:
        errors = exc.errors
        try:
            parse_start(session, event, claim.start, now)
        except ValidationError as start_error:
            errors |= start_error.errors
        raise ValidationError(errors) from None
    if event.programme_id is not None:
        # Its monthly cap holds an advisory lock until commit, and refusals are counted.
        end_autocommit(session)
    fairness.check_turn(session, event, phone, now)  # a programme's priority window, monthly cap
    # No "already booked?" query first: the unique indexes answer that as the booking is added.
    booking, token = new_booking(
        event, name, phone, now, sms_consent=claim.sms_consent, email=email
    )
    if not one_statement_claims(session):
        _claim_step_by_step(session, event, booking, token, claim, now, texts)
    elif _claim_in_one_statement(session, event, booking, token, claim, now, texts) and texts:
        end_autocommit(session)  # the claim is in; offers take savepoints, in a transaction
        waitlist.offer_free_slots(session, event, now, texts)  # the booker may have held an offer
    return booking, token


def one_statement_claims(session: Session) -> bool:
    """PostgreSQL claims in one statement; SQLite, without data-modifying CTEs, step by step."""
    return session.get_bind().dialect.name == "postgresql"


def _claim_step_by_step(session, event, booking, token, claim, now, texts) -> None:
    """The portable claim: seat, leave the waitlist, write the texts (SQLite takes this path)."""
    start = parse_start(session, event, claim.start, now)
    if not _seat(session, event, booking, start, now):
        _refuse(session, event, booking, start, now)
    # Booking a time yourself takes you off this event's waitlist (and passes on any offer).
    if waitlist.left_for_booking(session, event.id, booking.phone, now) and texts:
        waitlist.offer_free_slots(session, event, now, texts)
    if texts:
        notify.booked(session, booking, token, texts, now)


def _claim_in_one_statement(session, event, booking, token, claim, now, texts) -> int:
    """The same claim as one statement on PostgreSQL (claim_sql.py), retried after a lost race."""
    start = _as_start(claim.start)
    wording = _wording(event, booking, start, token, now, texts)
    params = _claim_params(event, booking, start, now, wording)
    for _ in range(event.chairs_count + 1):
        row = claim_sql.run(session, params)
        if not row.asked:
            raise ValidationError({"start": UNKNOWN_START})
        if row.booking_id is not None:
            _adopt(session, event, booking, row)
            return row.left_line
        if row.phone_holds:
            raise AlreadyBooked("This number already has a booking at this event.")
        if row.slot_id is None:
            break  # no chair free at that start; a lost race retries with a fresh snapshot
    raise SlotTaken(TAKEN, _nearest(session, event, start, now), event.timezone)


def _as_start(raw: object) -> dt.datetime:
    """An ISO 8601 start with its UTC offset, or a ValidationError naming the field."""
    try:
        start = dt.datetime.fromisoformat(str(raw).strip())
    except ValueError as exc:
        raise ValidationError({"start": "Choose one of the listed times."}) from exc
    if start.tzinfo is None:
        raise ValidationError({"start": "Give the time with its UTC offset."})
    return start


def _wording(event, booking, start, token, now, texts) -> claim_sql.Wording:
    chair, clock = claim_sql.markers()
    remind_at = text_rules.reminder_time(event.date, event.timezone)
    if not texts:
        return claim_sql.Wording(chair, clock, "", "", "", remind_at, False)
    return claim_sql.Wording(
        chair,
        clock,
        notify.confirmation_body(
            texts, event, booking.name, start, chair, token, wording.confirmation
        ),
        notify.reminder_body(texts, event, start, token, screen_done=False),
        notify.up_next_body(texts, event, chair, clock),
        remind_at,
        text_rules.wants_reminder(now, remind_at, start),
    )


def _claim_params(event, booking, start, now, wording: claim_sql.Wording) -> dict:
    return {
        "event_id": event.id, "start": start, "now": now, "tz": event.timezone,
        "name": booking.name, "phone": booking.phone, "phone_key": booking.phone_key,
        "email": booking.email, "sms_consent": booking.sms_consent,
        "sms_consent_at": booking.sms_consent_at, "token_hash": booking.manage_token_hash,
        "textable": bool(wording.confirmation) and notify.textable(booking),
        "chair_marker": wording.chair_marker, "clock_marker": wording.clock_marker,
        "confirmation_body": wording.confirmation, "reminder_body": wording.reminder,
        "up_next_body": wording.up_next, "remind_at": wording.remind_at,
        "wants_reminder": wording.wants_reminder, "lead_minutes": event.reminder_lead_minutes,
        "segments": claim_sql.segment_table(wording),
        "day_start": day_of(event).day_start,
    }  # fmt: skip


def _adopt(session: Session, event: Event, booking: Booking, row) -> None:
    """Make the inserted booking, its slot and chair persistent objects without reading them."""
    booking.id, booking.slot_id = row.booking_id, row.slot_id
    booking.revision, booking.previous_status, booking.updated_at = 0, None, booking.created_at
    slot = as_loaded(session, Slot, {
        "id": row.slot_id, "event_id": event.id, "chair_id": row.chair_id,
        "starts_at": row.starts_at, "ends_at": row.ends_at,
    })  # fmt: skip
    chair = as_loaded(session, Chair, {
        "id": row.chair_id, "event_id": event.id, "number": row.number, "label": row.label,
        "late_minutes": row.late_minutes,
    })  # fmt: skip
    make_transient_to_detached(booking)
    # Linking them as loaded lets booking.slot.chair read no row.
    set_committed_value(slot, "chair", chair)
    set_committed_value(booking, "slot", slot)
    set_committed_value(booking, "event", event)
    session.add(booking)


def _refuse(session, event, booking, start, now):
    if booking.phone_key and holds_booking(session, event.id, booking.phone_key):
        raise AlreadyBooked("This number already has a booking at this event.")
    raise SlotTaken(TAKEN, _nearest(session, event, start, now), event.timezone)


def move_booking(
    session: Session,
    booking: Booking,
    raw_start: object,
    now: dt.datetime,
    token: str | None = None,
    texts: notify.TextSettings | None = None,
) -> Booking:
    """Move an active booking to a free chair at another start; the manage link stays the same."""
    event = booking.event
    if booking.status != "booked":
        raise ValidationError({"start": "Only an upcoming booking can be moved."})
    if not signup_open(event, now):
        raise SignupClosed("Changes to this event are closed.")
    start = parse_start(session, event, raw_start, now)
    if start == booking.slot.starts_at:
        return booking
    if not _seat(session, event, booking, start, now):
        raise SlotTaken(
            "That time just filled up.", _nearest(session, event, start, now), event.timezone
        )
    booking.revision = (booking.revision or 0) + 1
    session.flush()
    session.refresh(booking, ["slot"])
    if texts and token:
        notify.moved(session, booking, token, texts, now)
    if texts:
        waitlist.offer_free_slots(session, event, now, texts)  # the old time is free
    return booking


def cancel_booking(
    session: Session,
    booking: Booking,
    now: dt.datetime,
    texts: notify.TextSettings | None = None,
) -> Booking:
    """Cancel a booking; cancelling twice is harmless. Started sessions cannot be cancelled.

    The freed chair is offered to the first person on the waitlist.
    """
    if booking.status == "cancelled":
        return booking
    if booking.status not in ("booked", "checked_in"):
        raise ValidationError({"status": "This booking can no longer be cancelled."})
    booking.status = "cancelled"
    booking.status_changed_at = now
    notify.cancelled(session, booking)
    session.flush()
    if texts:
        waitlist.offer_free_slots(session, booking.event, now, texts)
    return booking


def _seat(
    session: Session, event: Event, booking: Booking, start: dt.datetime, now: dt.datetime
) -> bool:
    """Seat the booking at `start`, least-used chair first."""
    return seat_in_first_free(
        session, booking, free_slots_by_chair_load(session, event, start, now)
    )


def _nearest(session: Session, event: Event, start: dt.datetime, now: dt.datetime, limit: int = 6):
    """Free times after the wanted one first, then the latest earlier ones."""
    free = [o for o in time_options(session, event, now) if o.available > 0]
    later = [o for o in free if o.start > start]
    earlier = [o for o in free if o.start < start][::-1]
    return sorted((later + earlier)[:limit], key=lambda o: o.start)
