"""Which texts a booking's life causes, written to the outbox in the caller's transaction."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from sqlalchemy.orm import Session

from ..models import Booking
from . import rules, texts
from .outbox import cancel_pending, enqueue, pending_for

SCHEDULED = ("reminder", "up_next")


class TextSettings(NamedTuple):
    """What the wording needs from configuration."""

    base_url: str
    brand: str

    def manage_url(self, token: str) -> str:
        return f"{self.base_url}/b/{token}"

    def screen_url(self, token: str) -> str:
        return f"{self.base_url}/b/{token}/screen"


def _textable(booking: Booking) -> bool:
    return bool(booking.phone) and booking.sms_consent


def _key(booking: Booking, kind: str) -> str:
    # The slot is part of the key: a move makes new texts, a retry of the same change does not.
    return f"booking:{booking.id}:{kind}:{booking.slot_id}"


def _text(session, booking: Booking, kind: str, body: str, key: str, send_at, valid_until=None):
    """One text to the booking's phone; the STOP line is added if it is the number's first."""
    return enqueue(
        session, to=booking.phone, kind=kind, body=body, key=key, send_at=send_at,
        booking=booking, valid_until=valid_until, first_text_line=texts.STOP_LINE,
    )  # fmt: skip


def booked(session: Session, booking: Booking, token: str, cfg: TextSettings, now: dt.datetime):
    """Confirmation now, the morning reminder and the "up next" text later."""
    if not _textable(booking):
        return
    event, slot = booking.event, booking.slot
    body = texts.confirmation(
        cfg.brand, booking.name.split()[0], texts.when(slot.starts_at, event.timezone),
        texts.place(event.room, event.location), slot.chair.number, cfg.manage_url(token),
    )  # fmt: skip
    _text(session, booking, "confirmation", body, _key(booking, "confirmation"), now)
    _schedule(session, booking, token, cfg, now)


def moved(session: Session, booking: Booking, token: str, cfg: TextSettings, now: dt.datetime):
    """A new time: say so, and replace the reminder and "up next" texts."""
    cancel_pending(session, booking.id, SCHEDULED)
    if not _textable(booking):
        return
    event, slot = booking.event, booking.slot
    body = texts.moved(
        cfg.brand, texts.when(slot.starts_at, event.timezone),
        texts.place(event.room, event.location), slot.chair.number, cfg.manage_url(token),
    )  # fmt: skip
    _text(session, booking, "confirmation", body, _key(booking, "confirmation"), now)
    _schedule(session, booking, token, cfg, now)


def cancelled(session: Session, booking: Booking) -> int:
    """A cancelled booking's pending texts are not sent."""
    return cancel_pending(session, booking.id)


def _schedule(session: Session, booking: Booking, token: str, cfg: TextSettings, now):
    event, slot = booking.event, booking.slot
    remind_at = rules.reminder_time(event.date, event.timezone)
    if rules.wants_reminder(now, remind_at, slot.starts_at):
        _reminder(session, booking, cfg, token, remind_at, screen_done=booking.screen is not None)
    _up_next(session, booking, cfg, now)


def _reminder(session, booking: Booking, cfg: TextSettings, token: str, at, screen_done: bool):
    event, slot = booking.event, booking.slot
    body = texts.reminder(
        cfg.brand, texts.clock(slot.starts_at, event.timezone),
        texts.place(event.room, event.location),
        None if screen_done else cfg.screen_url(token), cfg.manage_url(token),
    )  # fmt: skip
    key = _key(booking, "reminder")
    return _text(session, booking, "reminder", body, key, at, valid_until=slot.starts_at)


def screened(session: Session, booking: Booking, token: str, cfg: TextSettings):
    """Once the screen is done, the morning reminder stops asking for it."""
    pending = pending_for(session, booking.id, "reminder")
    if pending is not None:
        event, slot = booking.event, booking.slot
        pending.body = texts.reminder(
            cfg.brand, texts.clock(slot.starts_at, event.timezone),
            texts.place(event.room, event.location), None, cfg.manage_url(token),
        )  # fmt: skip


def _up_next(session: Session, booking: Booking, cfg: TextSettings, now, send_at=None):
    event, slot = booking.event, booking.slot
    at, expected = rules.up_next_window(
        slot.starts_at, event.reminder_lead_minutes, slot.chair.late_minutes
    )
    send_at = send_at or at
    if expected <= now:
        return None
    body = texts.up_next(
        cfg.brand, slot.chair.number, texts.clock(expected, event.timezone),
        texts.place(event.room, event.location),
    )  # fmt: skip
    key = _key(booking, "up_next")
    return _text(session, booking, "up_next", body, key, max(send_at, now), valid_until=expected)


def chair_changed(
    session: Session, waiting: list[Booking], cfg: TextSettings, now, early: Booking | None = None
):
    """Running late, or the previous person finished early: move the waiting people's "up next"."""
    for booking in waiting:
        if not _textable(booking):
            continue
        _up_next(session, booking, cfg, now, send_at=now if booking is early else None)


def completed(session: Session, booking: Booking, cfg: TextSettings, now: dt.datetime):
    """Self-care tips matching what was worked on, after the set delay, in allowed hours."""
    if not _textable(booking):
        return None
    tip_set = rules.tips_set(booking.screen.routine if booking.screen else None)
    if tip_set is None:
        return None
    event = booking.event
    due = now + dt.timedelta(minutes=event.aftercare_delay_minutes)
    body = texts.tips(cfg.brand, tip_set)
    send_at = rules.hold_to_quiet_hours(due, event.timezone)
    return _text(session, booking, "tips", body, f"booking:{booking.id}:tips", send_at)
