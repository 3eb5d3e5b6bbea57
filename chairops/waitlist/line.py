"""Standing in line: joining a full event's waitlist, one's place in it, and leaving it.

Every change is a conditional update, so a web request and the clock racing over one entry settle
in the database.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import NamedTuple

from sqlalchemy import and_, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from ..errors import (
    AlreadyBooked,
    AlreadyWaiting,
    ValidationError,
    WaitlistClosed,
    WaitlistNotFound,
    WalkUpEvent,
)
from ..messaging import notify, texts
from ..messaging.outbox import enqueue
from ..models import LIVE_WAITLIST_STATUSES, Event, Slot, WaitlistEntry
from ..seating import fairness
from ..seating.availability import signup_open, time_options
from ..seating.seats import Claim, holds_booking, validate_person
from ..tokens import hash_token, link_digest, same_hash


class Joiner(NamedTuple):
    """What a person gives to join the waitlist; raw strings, validated by join()."""

    name: object
    phone: object
    sms_consent: object = False


class Place(NamedTuple):
    """Where an entry stands, for its page."""

    entry: WaitlistEntry
    in_line: int | None  # 1 = next to be offered; None once the entry is finished
    slot: Slot | None  # the offered slot while an offer is open
    chair: int | None


def waitlist_open(session: Session, event: Event, now: dt.datetime, options=None) -> bool:
    """Open while sign-up is open, times are still to come, and no chair is free at any."""
    if not signup_open(event, now):
        return False
    options = time_options(session, event, now) if options is None else options
    return bool(options) and not any(option.available for option in options)


def join(
    session: Session,
    event: Event,
    joiner: Joiner,
    now: dt.datetime,
    cfg: notify.TextSettings | None = None,
) -> tuple[WaitlistEntry, str]:
    """Put a person at the end of the line; return the entry and its one-time link token."""
    if event.kind == "line":
        raise WalkUpEvent("This event is first come, first served: join its line instead.")
    if joiner.sms_consent is not True:
        errors = {"sms_consent": "We can only tell you about a free chair by text: tick the box."}
    else:
        errors = {}
    try:
        claim = Claim(joiner.name, joiner.phone, None, sms_consent=True)
        name, phone, _ = validate_person(event, claim)
    except ValidationError as exc:
        errors = exc.errors | errors
    if errors:
        raise ValidationError(errors)
    fairness.check_cap(session, event, phone)  # a programme's cap of massages a month
    # Someone a programme's priority window holds back may wait in line while chairs are free.
    held = fairness.held_back(session, event, phone, now)
    if not held and not waitlist_open(session, event, now):
        raise WaitlistClosed("A chair is free: book it instead of waiting.")
    if holds_booking(session, event.id, phone):
        raise AlreadyBooked("This number already has a booking at this event.")
    last = session.scalar(
        select(func.max(WaitlistEntry.position)).where(WaitlistEntry.event_id == event.id)
    )
    token = secrets.token_urlsafe(32)
    entry = WaitlistEntry(
        event_id=event.id, name=name, phone=phone, sms_consent_at=now, position=(last or 0) + 1,
        status="waiting", token_hash=hash_token(token), created_at=now,
        updated_at=now,
    )  # fmt: skip
    try:
        with session.begin_nested():
            session.add(entry)
            session.flush()
    except IntegrityError:
        raise AlreadyWaiting("This number is on the waitlist already.") from None
    if cfg:
        in_line = place_of(session, entry).in_line or 1
        day = event.date.strftime("%a %-d %b")
        body = texts.waitlist_joined(cfg.brand, event.title, day, in_line, place_url(cfg, token))
        enqueue(
            session, to=phone, kind="confirmation", body=body, key=f"waitlist:{entry.id}:joined",
            send_at=now, event_id=event.id, first_text_line=texts.STOP_LINE,
        )  # fmt: skip
    return entry, token


def place_url(cfg: notify.TextSettings, token: str) -> str:
    """The link to a place in line (or an offer), as texted."""
    return f"{cfg.base_url}/w/{token}"


def entry_by_token(session: Session, token: str) -> WaitlistEntry:
    """The entry behind a waitlist link or an offer link, or WaitlistNotFound."""
    digest = link_digest(token)
    if digest is None:
        raise WaitlistNotFound("This link does not match a place on a waitlist.")
    entry = session.scalar(
        select(WaitlistEntry)
        .options(joinedload(WaitlistEntry.event).joinedload(Event.company))
        .where((WaitlistEntry.token_hash == digest) | (WaitlistEntry.offer_token_hash == digest))
    )
    stored = entry and (entry.token_hash, entry.offer_token_hash)
    if entry is None or not any(same_hash(h, digest) for h in stored):
        raise WaitlistNotFound("This link does not match a place on a waitlist.")
    return entry


def place_of(session: Session, entry: WaitlistEntry, now: dt.datetime | None = None) -> Place:
    """Where the entry stands in line, and what it has been offered."""
    if entry.status == "offered" and (now is None or entry.offer_expires_at > now):
        slot = session.get(Slot, entry.offered_slot_id) if entry.offered_slot_id else None
        return Place(entry, 1, slot, slot.chair.number if slot else None)
    if entry.status not in LIVE_WAITLIST_STATUSES:
        return Place(entry, None, None, None)
    ahead = session.scalar(
        select(func.count(WaitlistEntry.id)).where(
            WaitlistEntry.event_id == entry.event_id,
            WaitlistEntry.status.in_(LIVE_WAITLIST_STATUSES),
            (WaitlistEntry.position < entry.position)
            | and_(WaitlistEntry.position == entry.position, WaitlistEntry.id < entry.id),
        )
    )
    return Place(entry, (ahead or 0) + 1, None, None)


def live_count(session: Session, event_id: int) -> int:
    return (
        session.scalar(
            select(func.count(WaitlistEntry.id)).where(
                WaitlistEntry.event_id == event_id,
                WaitlistEntry.status.in_(LIVE_WAITLIST_STATUSES),
            )
        )
        or 0
    )


def left_for_booking(session: Session, event_id: int, phone: str, now: dt.datetime) -> int:
    """Someone who booked a time themselves leaves the event's waitlist."""
    return session.execute(
        update(WaitlistEntry)
        .where(
            WaitlistEntry.event_id == event_id,
            WaitlistEntry.phone == phone,
            WaitlistEntry.status.in_(LIVE_WAITLIST_STATUSES),
        )
        .values(status="left", updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount


def close_for_event(session: Session, event_id: int, now: dt.datetime) -> int:
    """The event was cancelled: nobody waits for it any more."""
    return session.execute(
        update(WaitlistEntry)
        .where(
            WaitlistEntry.event_id == event_id,
            WaitlistEntry.status.in_(LIVE_WAITLIST_STATUSES),
        )
        .values(status="closed", updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount


def end_for_event(session: Session, event_id: int, now: dt.datetime) -> int:
    """The event is over: the line ends without a text, and any offer still held lapses."""
    lapsed = session.execute(
        update(WaitlistEntry)
        .where(WaitlistEntry.event_id == event_id, WaitlistEntry.status == "offered")
        .values(status="expired", offer_expires_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    return lapsed + close_for_event(session, event_id, now)


def finish(session: Session, entry: WaitlistEntry, frm: tuple[str, ...], to: str, now) -> bool:
    """Move the entry from one of `frm` to `to` if nobody moved it first; True if this call did."""
    moved = session.execute(
        update(WaitlistEntry)
        .where(WaitlistEntry.id == entry.id, WaitlistEntry.status.in_(frm))
        .values(status=to, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(entry)
    return moved == 1
