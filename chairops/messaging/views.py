"""The outbox for admins: a page of texts and the JSON list of a booking's texts."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..accounts.views import roles_required
from ..errors import ValidationError
from ..extensions import db
from ..formatting import in_zone
from ..models import MESSAGE_KINDS, MESSAGE_STATUSES, Booking, Message
from ..phones import mask
from ..tokens import redact_links

bp = Blueprint("outbox", __name__)

PAGE_ROWS = 200


def find_messages(
    session: Session,
    *,
    event_id: int | None = None,
    booking_id: int | None = None,
    status: str | None = None,
    kind: str | None = None,
    limit: int = PAGE_ROWS,
) -> list[Message]:
    """Outbox rows, newest first, filtered by whichever of these are given."""
    query = select(Message).order_by(Message.send_at.desc(), Message.id.desc()).limit(limit)
    if event_id is not None:
        query = query.where(Message.event_id == event_id)
    if booking_id is not None:
        query = query.where(Message.booking_id == booking_id)
    if status:
        query = query.where(Message.status == status)
    if kind:
        query = query.where(Message.kind == kind)
    return list(session.scalars(query))


@bp.get("/staff/outbox")
@roles_required("admin")
def outbox():
    status = request.args.get("status") if request.args.get("status") in MESSAGE_STATUSES else None
    kind = request.args.get("kind") if request.args.get("kind") in MESSAGE_KINDS else None
    event_id = request.args.get("event_id", type=int)
    messages = find_messages(db.session, event_id=event_id, status=status, kind=kind)
    return render_template(
        "messaging/outbox.html",
        messages=messages,
        filters={"status": status, "kind": kind, "event_id": event_id},
        statuses=MESSAGE_STATUSES,
        kinds=MESSAGE_KINDS,
        mask=mask,
        redact=redact_links,
    )


def message_json(message: Message, timezone: str) -> dict:
    """A text as API.md shows it: the number masked but for its last four digits."""
    return {
        "id": message.id,
        "kind": message.kind,
        "to": mask(message.to),
        "status": message.status,
        "send_at": in_zone(message.send_at, timezone).isoformat(),
        "attempts": message.attempts,
        "error_code": message.error_code,
        "sid": message.provider_sid,
    }


@bp.get("/api/v1/messages")
@roles_required("admin")
def api_messages():
    booking_id = request.args.get("booking_id", type=int)
    if booking_id is None:
        raise ValidationError({"booking_id": "Give the id of a booking."})
    booking = db.session.get(Booking, booking_id)
    timezone = booking.event.timezone if booking is not None else "UTC"
    messages = reversed(find_messages(db.session, booking_id=booking_id))  # oldest first
    return jsonify(messages=[message_json(m, timezone) for m in messages])
