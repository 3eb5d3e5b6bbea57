"""Offers: a freed chair is held for the next in line, texted, then claimed, declined or lapsed.

A slot is offered to one person at a time (partial unique index) and a claimed slot holds one
booking (the bookings' unique index), so two clocks or a clock and a web request never clash.
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import AlreadyBooked, OfferGone
from ..eventday.rules import surely_over_before
from ..messaging import notify, texts
from ..messaging.outbox import enqueue
from ..messaging.rules import QUIET_END, QUIET_START
from ..models import LIVE_WAITLIST_STATUSES, Booking, Chair, Event, OptOut, Slot, WaitlistEntry
from ..seating import fairness
from ..seating.availability import (
    RUNNING,
    active_slot_ids,
    event_running,
    held_slot_ids,
)
from ..seating.seats import new_booking, seat_in_first_free
from ..tokens import hash_token
from . import rules
from .line import finish, place_url

TEXTING_HOURS = (QUIET_START, QUIET_END)


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


def leave(
    session: Session, entry: WaitlistEntry, now: dt.datetime, cfg: notify.TextSettings | None
) -> WaitlistEntry:
    """Take the person off the list; an open offer passes to the next in line."""
    offered = entry.status == "offered"
    if finish(session, entry, LIVE_WAITLIST_STATUSES, "left", now):
        notify.waitlist_left(session, entry.id)  # the queued "you joined" text is withdrawn
        if offered and cfg:
            offer_free_slots(session, entry.event, now, cfg)
    return entry


def decline(
    session: Session, entry: WaitlistEntry, now: dt.datetime, cfg: notify.TextSettings | None
) -> WaitlistEntry:
    """Say no to the offered chair: it goes to the next in line, and this person leaves."""
    if finish(session, entry, ("offered",), "declined", now) and cfg:
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
    booking, token = new_booking(event, entry.name, entry.phone, now, True)
    try:
        seated = seat_in_first_free(session, booking, [slot_id])
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
        "closed": "The event is over."
        if entry.event.status == "completed"
        else "The event was cancelled.",
    }.get(entry.status, "This offer is no longer open.")


def offer_free_slots(
    session: Session, event: Event, now: dt.datetime, cfg: notify.TextSettings
) -> list[WaitlistEntry]:
    """Offer each free, unheld slot still worth having to the next person in line, by text.

    After sign-up has closed, the people already in line still get the chairs that free up.
    """
    if not event_running(event, now):
        return []
    active = active_slot_ids(event.id)
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
    held = fairness.held_back_phones(session, event, now)  # they wait for the priority window
    line = list(
        session.scalars(
            select(WaitlistEntry)
            .where(
                WaitlistEntry.event_id == event.id,
                WaitlistEntry.status == "waiting",
                WaitlistEntry.phone.not_in(stopped),
                WaitlistEntry.phone.not_in(held) if held is not None else true(),
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
                    offer_token_hash=hash_token(token),
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
        texts.clock(offer.expires_at, event.timezone), place_url(cfg, token), offer.free_now,
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
    """The clock's job: expire offers, then offer every free chair to whoever waits for it.

    Only events still running are looked at: a completed event's line has ended.
    """
    expire_offers(session, now)
    waiting_events = select(WaitlistEntry.event_id).where(WaitlistEntry.status == "waiting")
    events = session.scalars(
        select(Event).where(
            Event.id.in_(waiting_events),
            Event.status.in_(RUNNING),
            # Events left running by mistake (or from before the clock completed them) are
            # over whatever their zone: the tick stays as small as the events still to come.
            Event.date >= surely_over_before(now),
        )
    )
    return sum(len(offer_free_slots(session, event, now, cfg)) for event in events)
