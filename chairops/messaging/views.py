"""The outbox for admins: a page of texts and GET /api/v1/messages, one query behind both."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request

from ..accounts.views import roles_required
from ..extensions import db
from ..formatting import in_zone
from ..models import MESSAGE_KINDS, MESSAGE_STATUSES, Message
from ..phones import mask
from ..tokens import redact_links
from .listing import find_messages, parse_query

bp = Blueprint("outbox", __name__)

PAGE_ROWS = 100


@bp.get("/staff/outbox")
@roles_required("admin")
def outbox():
    # The form offers only valid choices: a hand-edited bad value is dropped, not an error page.
    query = parse_query(request.args, default_limit=PAGE_ROWS, lenient=True)
    page = find_messages(db.session, query)
    return render_template(
        "messaging/outbox.html",
        page=page,
        query=query,
        segments=sum(row.message.segments or 0 for row in page.rows),
        statuses=MESSAGE_STATUSES,
        kinds=MESSAGE_KINDS,
        mask=mask,
        redact=redact_links,
        in_zone=in_zone,
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
        "segments": message.segments,
        "booking_id": message.booking_id,
        "event_id": message.event_id,
    }


@bp.get("/api/v1/messages")
@roles_required("admin")
def api_messages():
    page = find_messages(db.session, parse_query(request.args))
    return jsonify(
        messages=[message_json(row.message, row.timezone) for row in page.rows],
        next_before=page.next_before,
    )
