"""The waitlist: join a full event, get a freed chair offered by text, claim it before it passes on.

Every step is a conditional update, so a web request and the clock (or two clocks) racing over
one entry or one slot settle in the database: a slot is offered to one person at a time
(partial unique index) and a claimed slot holds one booking (the bookings' unique index).
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from typing import NamedTuple

from sqlalchemy import and_, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from ..booking import service as booking_service
from ..errors import (
    AlreadyBooked,
    AlreadyWaiting,
    OfferGone,
    ValidationError,
    WaitlistClosed,
    WaitlistNotFound,
)
from ..events.service import held_slot_ids, signup_open, time_options
from ..messaging import notify, texts
from ..messaging.outbox import enqueue
from ..messaging.rules import QUIET_END, QUIET_START
from ..models import (
    LIVE_WAITLIST_STATUSES,
    Booking,
    Chair,
    Event,
    OptOut,
    Slot,
    WaitlistEntry,
)
from . import rules

TEXTING_HOURS = (QUIET_START, QUIET_END)


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
    if joiner.sms_consent is not True:
        errors = {"sms_consent": "We can only tell you about a free chair by text: tick the box."}
    else:
        errors = {}
    try:
        claim = booking_service.Claim(joiner.name, joiner.phone, None, sms_consent=True)
        name, phone, _ = booking_service.validate_person(event, claim)
    except ValidationError as exc:
        errors = exc.errors | errors
    if errors:
        raise ValidationError(errors)
    if not waitlist_open(session, event, now):
        raise WaitlistClosed("A chair is free: book it instead of waiting.")
    if booking_service.holds_booking(session, event.id, phone):
        raise AlreadyBooked("This number already has a booking at this event.")
    last = session.scalar(
        select(func.max(WaitlistEntry.position)).where(WaitlistEntry.event_id == event.id)
    )
    token = secrets.token_urlsafe(32)
    entry = WaitlistEntry(
        event_id=event.id, name=name, phone=phone, sms_consent_at=now, position=(last or 0) + 1,
        status="waiting", token_hash=booking_service.hash_token(token), created_at=now,
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
        body = texts.waitlist_joined(cfg.brand, event.title, day, in_line, _url(cfg, token))
        enqueue(
            session, to=phone, kind="confirmation", body=body, key=f"waitlist:{entry.id}:joined",
            send_at=now, event_id=event.id, first_text_line=texts.STOP_LINE,
        )  # fmt: skip
    return entry, token


def _url(cfg: notify.TextSettings, token: str) -> str:
    return f"{cfg.base_url}/w/{token}"


def entry_by_token(session: Session, token: str) -> WaitlistEntry:
    """The entry behind a waitlist link or an offer link, or WaitlistNotFound."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        raise WaitlistNotFound("This link does not match a place on a waitlist.")
    digest = booking_service.hash_token(token)
    entry = session.scalar(
        select(WaitlistEntry)
        .options(joinedload(WaitlistEntry.event).joinedload(Event.company))
        .where((WaitlistEntry.token_hash == digest) | (WaitlistEntry.offer_token_hash == digest))
    )
    stored = entry and (entry.token_hash, entry.offer_token_hash)
    if entry is None or not any(hmac.compare_digest(h or "", digest) for h in stored):
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


def withdraw_offers(session: Session, slot_ids: list[int], now: dt.datetime) -> int:
    """These slots are going away: their open offers are withdrawn and the people wait again."""
    if not slot_ids:
        return 0
    return session.execute(
        update(WaitlistEntry)
        .where(WaitlistEntry.status == "offered", WaitlistEntry.offered_slot_id.in_(slot_ids))
        .values(status="waiting", offered_slot_id=None, offer_expires_at=None, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount


def _finish(session: Session, entry: WaitlistEntry, frm: tuple[str, ...], to: str, now) -> bool:
    """Move the entry from one of `frm` to `to` if nobody moved it first; True if this call did."""
    moved = session.execute(
        update(WaitlistEntry)
        .where(WaitlistEntry.id == entry.id, WaitlistEntry.status.in_(frm))
        .values(status=to, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(entry)
    return moved == 1


def leave(
    session: Session, entry: WaitlistEntry, now: dt.datetime, cfg: notify.TextSettings | None
) -> WaitlistEntry:
    """Take the person off the list; an open offer passes to the next in line."""
    offered = entry.status == "offered"
    if _finish(session, entry, LIVE_WAITLIST_STATUSES, "left", now):
        notify.waitlist_left(session, entry.id)
        if offered and cfg:
            offer_free_slots(session, entry.event, now, cfg)
    return entry


def decline(
    session: Session, entry: WaitlistEntry, now: dt.datetime, cfg: notify.TextSettings | None
) -> WaitlistEntry:
    """Say no to the offered chair: it goes to the next in line, and this person leaves."""
    if _finish(session, entry, ("offered",), "declined", now) and cfg:
        offer_free_slots(session, entry.event, now, cfg)
    return entry


def claim_offer(
    session: Session, entry: WaitlistEntry, now: dt.datetime, cfg: notify.TextSettings | None
) -> tuple[Booking, str]:
    """Turn an open offer into a booking; return it and its one-time manage token."""
    slot_id = entry.offered_slot_id
    took = session.execute(
        update(WaitlistEntry)
        .where(
            WaitlistEntry.id == entry.id,
            WaitlistEntry.status == "offered",
            WaitlistEntry.offer_expires_at > now,
        )
        .values(status="booked", updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(entry)
    if took != 1 or slot_id is None:
        raise OfferGone(_gone_reason(entry))
    event = entry.event
    booking, token = booking_service.new_booking(event, entry.name, entry.phone, now, True)
    try:
        seated = booking_service.seat_in_first_free(session, booking, [slot_id])
    except AlreadyBooked:
        entry.status = "left"
        session.flush()
        raise
    if not seated:
        # Taken after all (a walk-in at the chair): back in line at the front, offered the next.
        entry.status = "waiting"
        session.flush()
        if cfg:
            offer_free_slots(session, event, now, cfg)
        raise OfferGone("Sorry, that chair was just taken. You are still first in line.")
    entry.booking_id = booking.id
    session.flush()
    if cfg:
        notify.booked(session, booking, token, cfg, now)
    return booking, token


def _gone_reason(entry: WaitlistEntry) -> str:
    return {
        "booked": "You already claimed this chair. Your booking link came by text.",
        "expired": "This offer ran out and went to the next person in line.",
        "declined": "You turned this offer down, so it went to the next person.",
        "left": "You left the waitlist.",
        "closed": "The event was cancelled.",
    }.get(entry.status, "This offer is no longer open.")


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


def offer_free_slots(
    session: Session, event: Event, now: dt.datetime, cfg: notify.TextSettings
) -> list[WaitlistEntry]:
    """Offer each free, unheld slot still worth having to the next person in line, by text."""
    if not signup_open(event, now):
        return []
    active = booking_service.active_slot_ids(event.id)
    free = session.execute(
        select(Slot, Chair.number)
        .join(Chair, Chair.id == Slot.chair_id)
        .where(
            Slot.event_id == event.id,
            Slot.ends_at > now,
            Slot.id.not_in(active),
            Slot.id.not_in(held_slot_ids(event.id, now)),
        )
        .order_by(Slot.starts_at, Chair.number)
    ).all()
    if not free:
        return []
    stopped = select(OptOut.phone)
    line = list(
        session.scalars(
            select(WaitlistEntry)
            .where(
                WaitlistEntry.event_id == event.id,
                WaitlistEntry.status == "waiting",
                WaitlistEntry.phone.not_in(stopped),
            )
            .order_by(WaitlistEntry.position, WaitlistEntry.id)
            .limit(len(free))
        )
    )
    offered = []
    for slot, chair in free:
        if not line:
            break
        offer = rules.make_offer(now, slot.starts_at, slot.ends_at, cfg.offer_minutes)
        if offer is None or not rules.may_text_offer(
            now, slot.starts_at, event.timezone, TEXTING_HOURS
        ):
            continue
        while line:
            entry = line.pop(0)
            if _offer(session, event, entry, slot, chair, offer, now, cfg):
                offered.append(entry)
                break
    return offered


def _offer(session, event, entry, slot, chair, offer, now, cfg) -> bool:
    token = secrets.token_urlsafe(32)
    try:
        with session.begin_nested():
            moved = session.execute(
                update(WaitlistEntry)
                .where(WaitlistEntry.id == entry.id, WaitlistEntry.status == "waiting")
                .values(
                    status="offered",
                    offered_slot_id=slot.id,
                    offered_at=now,
                    offer_expires_at=offer.expires_at,
                    updated_at=now,
                    offer_token_hash=booking_service.hash_token(token),
                )  # fmt: skip
                .execution_options(synchronize_session=False)
            ).rowcount
    except IntegrityError:
        return False  # another process offered this slot a moment ago
    if moved != 1:
        return False
    session.refresh(entry)
    body = texts.waitlist_offer(
        cfg.brand, texts.when(slot.starts_at, event.timezone),
        texts.place(event.room, event.location), chair,
        texts.clock(offer.expires_at, event.timezone), _url(cfg, token), offer.free_now,
    )  # fmt: skip
    enqueue(
        session, to=entry.phone, kind="waitlist_offer", body=body,
        key=f"waitlist:{entry.id}:offer:{slot.id}:{now:%Y%m%dT%H%M%S%f}", send_at=now,
        event_id=event.id, valid_until=offer.expires_at, first_text_line=texts.STOP_LINE,
    )  # fmt: skip
    return True


def expire_offers(session: Session, now: dt.datetime) -> list[int]:
    """Close offers whose time ran out; return the events that have a chair to pass on."""
    events = list(
        session.scalars(
            select(WaitlistEntry.event_id)
            .where(WaitlistEntry.status == "offered", WaitlistEntry.offer_expires_at <= now)
            .distinct()
        )
    )
    if events:
        session.execute(
            update(WaitlistEntry)
            .where(WaitlistEntry.status == "offered", WaitlistEntry.offer_expires_at <= now)
            .values(status="expired", updated_at=now)
            .execution_options(synchronize_session=False)
        )
    return events


def tick(session: Session, now: dt.datetime, cfg: notify.TextSettings) -> int:
    """The clock's job: expire offers, then offer every free chair to whoever waits for it."""
    expire_offers(session, now)
    waiting_events = select(WaitlistEntry.event_id).where(WaitlistEntry.status == "waiting")
    events = session.scalars(
        select(Event).where(Event.id.in_(waiting_events), Event.status == "published")
    )
    return sum(len(offer_free_slots(session, event, now, cfg)) for event in events)
