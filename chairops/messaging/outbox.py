"""Writing texts to the outbox, in the same transaction as the change that causes them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import event, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import Booking, Message
from .rules import segments


def enqueue(
    session: Session,
    *,
    to: str,
    kind: str,
    body: str,
    key: str,
    send_at: dt.datetime,
    booking: Booking | None = None,
    event_id: int | None = None,
    valid_until: dt.datetime | None = None,
    first_text_line: str = "",
) -> Message:
    """Add a text, or bring one with this key up to date while it has not gone yet.

    A text already sent (or failed, suppressed...) is left alone: nobody is told twice.
    """
    existing = session.scalar(select(Message).where(Message.idempotency_key == key))
    if existing is not None:
        if existing.status in ("pending", "cancelled"):
            existing.status, existing.send_at = "pending", send_at
            existing.valid_until = valid_until
            kept_stop = bool(first_text_line) and existing.body.endswith(first_text_line)
            kept_stop = kept_stop and first_text_line not in body
            existing.body = f"{body} {first_text_line}" if kept_stop else body
        return existing
    first = first_text_line and first_text_line not in body
    if first and not session.scalar(select(exists().where(Message.to == to))):
        body = f"{body} {first_text_line}"
    message = Message(
        to=to, kind=kind, body=body, idempotency_key=key, send_at=send_at,
        valid_until=valid_until, status="pending", attempts=0,
        booking_id=booking.id if booking else None,
        event_id=event_id if event_id is not None else (booking.event_id if booking else None),
    )  # fmt: skip
    try:
        with session.begin_nested():
            session.add(message)
            session.flush()
    except IntegrityError:
        # A retried transaction wrote the same text a moment ago: keep that one.
        return session.scalar(select(Message).where(Message.idempotency_key == key))
    return message


def cancel_pending(session: Session, booking_id: int, kinds: tuple[str, ...] | None = None) -> int:
    """Cancel a booking's texts that have not gone yet (all kinds, or only these)."""
    query = update(Message).where(Message.booking_id == booking_id, Message.status == "pending")
    if kinds:
        query = query.where(Message.kind.in_(kinds))
    return session.execute(
        query.values(status="cancelled").execution_options(synchronize_session=False)
    ).rowcount


def withdraw_unsent(session: Session, key_prefix: str) -> int:
    """Cancel the texts not sent yet whose idempotency key starts with this prefix."""
    query = update(Message).where(
        Message.idempotency_key.startswith(key_prefix, autoescape=True),
        Message.status == "pending",
    )
    return session.execute(
        query.values(status="cancelled").execution_options(synchronize_session=False)
    ).rowcount


def pending_for(session: Session, booking_id: int, kind: str) -> Message | None:
    """The booking's one pending text of a kind, if any."""
    return session.scalar(
        select(Message).where(
            Message.booking_id == booking_id, Message.kind == kind, Message.status == "pending"
        )
    )


def cancel_pending_for_event(session: Session, event_id: int, kinds: tuple[str, ...]) -> int:
    """Cancel an event's texts of these kinds that have not gone yet (the event is over)."""
    return session.execute(
        update(Message)
        .where(Message.event_id == event_id, Message.status == "pending", Message.kind.in_(kinds))
        .values(status="cancelled")
        .execution_options(synchronize_session=False)
    ).rowcount


@event.listens_for(Message.body, "set")
def _count_segments(message: Message, body: str | None, _old, _initiator) -> None:
    """Every text written through the ORM records what it costs (operators pay per segment).

    The dispatcher's redaction of a sent body is a bulk UPDATE, so the count stays the sent one.
    """
    message.segments = segments(body) if body is not None else None
