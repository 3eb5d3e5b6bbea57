"""Which texts a booking's life causes, written to the outbox in the caller's transaction."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..config import TextSettings
from ..eventday.rules import day_of
from ..models import Booking, Message, OptOut
from . import rules, texts
from .outbox import cancel_pending, enqueue, pending_for, withdraw_unsent

SCHEDULED = ("reminder", "up_next")


class Text(NamedTuple):
    """One text for a booking, before it is written to the outbox."""

    kind: str
    body: str
    key: str
    send_at: dt.datetime
    valid_until: dt.datetime | None = None


def textable(booking: Booking) -> bool:
    """Whether this booking may be texted: a number and consent."""
    return bool(booking.phone) and booking.sms_consent


def _key(booking: Booking, kind: str) -> str:
    # The slot is part of the key: a move makes new texts, a retry of the same change does not.
    return f"booking:{booking.id}:{kind}:{booking.slot_id}"


def _write(session: Session, booking: Booking, text: Text | None) -> Message | None:
    """Add or update one text; the STOP line is added if it is the number's first."""
    if text is None:
        return None
    return enqueue(
        session, to=booking.phone, kind=text.kind, body=text.body, key=text.key,
        send_at=text.send_at, booking=booking, valid_until=text.valid_until,
        first_text_line=texts.STOP_LINE,
    )  # fmt: skip


def booked(session: Session, booking: Booking, token: str, cfg: TextSettings, now: dt.datetime):
    """Confirmation now, the morning reminder and the "up next" text later."""
    if not textable(booking):
        return
    # A booking made this instant has no texts yet and its confirmation says how to stop, so
    # they are simply added (inserted together at commit; the unique key still guards them).
    items = [_confirmation(booking, token, cfg, now, texts.confirmation)]
    items += [t for t in (_reminder(booking, token, cfg, now), _up_next(booking, cfg, now)) if t]
    session.add_all(
        Message(
            to=booking.phone,
            kind=t.kind,
            body=t.body,
            idempotency_key=t.key,
            send_at=t.send_at,
            valid_until=t.valid_until,
            status="pending",
            attempts=0,
            booking=booking,
            event_id=booking.event_id,
        )  # fmt: skip
        for t in items
    )


def moved(session: Session, booking: Booking, token: str, cfg: TextSettings, now: dt.datetime):
    """A new time: say so, and replace the reminder and "up next" texts."""
    cancel_pending(session, booking.id, SCHEDULED)
    if not textable(booking):
        return
    _write(session, booking, _confirmation(booking, token, cfg, now, _moved_wording))
    _write(session, booking, _reminder(booking, token, cfg, now))
    _write(session, booking, _up_next(booking, cfg, now))


def cancelled(session: Session, booking: Booking) -> int:
    """A cancelled booking's pending texts are not sent."""
    return cancel_pending(session, booking.id)


def waitlist_left(session: Session, entry_id: int) -> int:
    """Someone left the waitlist: its texts not sent yet ("you joined", an offer) are withdrawn.

    Joining and leaving in a loop must not text a number again and again.
    """
    return withdraw_unsent(session, f"waitlist:{entry_id}:")


def _moved_wording(brand, _name, at, where, chair, manage_url):
    return texts.moved(brand, at, where, chair, manage_url)


def confirmation_body(cfg: TextSettings, event, name: str, start, chair, token: str, wording):
    """The confirmation (or "moved") text of a booking at `start` on `chair`."""
    return wording(
        cfg.brand, name.split()[0], texts.when(start, event.timezone),
        texts.place(event.room, event.location), chair, cfg.manage_url(token),
    )  # fmt: skip


def _confirmation(booking: Booking, token: str, cfg: TextSettings, now, wording) -> Text:
    slot = booking.slot
    body = confirmation_body(
        cfg, booking.event, booking.name, slot.starts_at, slot.chair.number, token, wording
    )
    return Text("confirmation", body, _key(booking, "confirmation"), now)


def _reminder(booking: Booking, token: str, cfg: TextSettings, now) -> Text | None:
    event, slot = booking.event, booking.slot
    remind_at = rules.reminder_time(event.date, event.timezone)
    if not rules.wants_reminder(now, remind_at, slot.starts_at):
        return None
    body = _reminder_body(booking, cfg, token, screen_done=booking.screen is not None)
    return Text("reminder", body, _key(booking, "reminder"), remind_at, slot.starts_at)


def _reminder_body(booking: Booking, cfg: TextSettings, token: str, screen_done: bool) -> str:
    return reminder_body(cfg, booking.event, booking.slot.starts_at, token, screen_done)


def reminder_body(cfg: TextSettings, event, start, token: str, screen_done: bool) -> str:
    """The morning reminder; it asks for the screen until the screen is done."""
    return texts.reminder(
        cfg.brand, texts.clock(start, event.timezone), texts.place(event.room, event.location),
        None if screen_done else cfg.screen_url(token), cfg.manage_url(token),
    )  # fmt: skip


def screened(session: Session, booking: Booking, token: str, cfg: TextSettings):
    """Once the screen is done, the morning reminder stops asking for it."""
    pending = pending_for(session, booking.id, "reminder")
    if pending is not None:
        pending.body = _reminder_body(booking, cfg, token, screen_done=True)


def _up_next(booking: Booking, cfg: TextSettings, now) -> Text | None:
    event, slot = booking.event, booking.slot
    due = rules.up_next_due(
        now, slot.starts_at, event.reminder_lead_minutes, slot.chair.late_minutes,
        day_of(event).day_start,
    )  # fmt: skip
    if due is None:
        return None
    send_at, expected = due
    body = up_next_body(cfg, event, slot.chair.number, texts.clock(expected, event.timezone))
    return Text("up_next", body, _key(booking, "up_next"), send_at, expected)


def up_next_body(cfg: TextSettings, event, chair, expected_clock: str) -> str:
    """ "You're up next" for a chair and the time the person is now expected."""
    return texts.up_next(cfg.brand, chair, expected_clock, texts.place(event.room, event.location))


def chair_changed(session: Session, waiting: list[Booking], cfg: TextSettings, now):
    """The chair runs late (or on time again): move the waiting people's "up next" texts."""
    for booking in waiting:
        text = _up_next(booking, cfg, now) if textable(booking) else None
        if text is None:
            cancel_pending(session, booking.id, ("up_next",))  # its time has passed
        else:
            _write(session, booking, text)


def status_changed(session: Session, booking: Booking) -> int:
    """Withdraw the texts the booking's new status makes pointless (same transaction)."""
    kinds = rules.withdrawn_by(booking.status)
    return cancel_pending(session, booking.id, kinds) if kinds else 0


def completed(session: Session, booking: Booking, cfg: TextSettings, now: dt.datetime):
    """Self-care tips matching what was worked on, after the set delay, in allowed hours."""
    if not textable(booking):
        return None
    tip_set = rules.tips_set(booking.screen.routine if booking.screen else None)
    if tip_set is None:
        return None
    event = booking.event
    send_at = rules.tips_due(now, event.aftercare_delay_minutes, event.timezone)
    key = f"booking:{booking.id}:tips"
    return _write(session, booking, Text("tips", texts.tips(cfg.brand, tip_set), key, send_at))


def _opted_out(session: Session, phones: set[str]) -> set[str]:
    if not phones:
        return set()
    return set(session.scalars(select(OptOut.phone).where(OptOut.phone.in_(phones))))


def event_news(session: Session, bookings: list[Booking], kind: str, cfg: TextSettings, now):
    """Tell each textable booking its event was cancelled or changed; skip opted-out numbers."""
    for booking in _reachable(session, bookings):
        event, slot = booking.event, booking.slot
        at = texts.when(slot.starts_at, event.timezone)
        if kind == "event_cancelled":
            body = texts.event_cancelled(cfg.brand, event.title, at)
        else:
            body = texts.event_changed(cfg.brand, at, texts.place(event.room, event.location))
        key = f"event:{event.id}:{kind}:{booking.id}:{now:%Y%m%dT%H%M%S%f}"
        _write(session, booking, Text(kind, body, key, now))


def _reachable(session: Session, bookings: list[Booking]) -> list[Booking]:
    """The bookings that may be texted: consent given and the number has not opted out."""
    people = [b for b in bookings if textable(b)]
    stopped = _opted_out(session, {b.phone for b in people})
    return [b for b in people if b.phone not in stopped]


def booking_dropped(session: Session, bookings: list[Booking], cfg: TextSettings, now) -> int:
    """A new schedule cancelled these bookings: say sorry and where to book again; return count."""
    reachable = _reachable(session, bookings)
    for booking in reachable:
        event = booking.event
        at = texts.when(booking.slot.starts_at, event.timezone)
        link = f"{cfg.base_url}/e/{event.share_token}" if event.status == "published" else None
        body = texts.booking_dropped(cfg.brand, event.title, at, link)
        key = f"event:{event.id}:booking_dropped:{booking.id}:{now:%Y%m%dT%H%M%S%f}"
        _write(session, booking, Text("event_changed", body, key, now))
    return len(reachable)
