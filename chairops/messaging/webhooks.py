"""Twilio's webhooks: replies from attendees (STOP, START, HELP) and delivery status callbacks.

Both are signed by Twilio; the signature covers the public URL, so it is rebuilt from
PUBLIC_BASE_URL (behind a proxy `request.url` is not what Twilio requested).
"""

from __future__ import annotations

import datetime as dt
import logging
import re

from flask import Blueprint, Response, abort, current_app, request
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from ..extensions import db
from ..models import Message, OptOut, utcnow
from ..phones import mask
from . import texts
from .dispatch import record_opt_in, record_opt_out
from .senders import OPTED_OUT_CODE

log = logging.getLogger(__name__)

bp = Blueprint("twilio", __name__, url_prefix="/twilio")

OPT_OUT_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "END", "QUIT", "CANCEL", "REVOKE", "OPTOUT"}
)
OPT_IN_WORDS = frozenset({"START", "UNSTOP", "YES"})
HELP_WORDS = frozenset({"HELP"})
# Twilio's status words that we keep, and what each may move a text on from (forward only).
_OURS = {
    "sent": "sent",
    "delivered": "delivered",
    "read": "delivered",
    "undelivered": "undelivered",
    "failed": "failed",
}
_MOVES_FROM = {
    "sent": ("sending",),
    "delivered": ("sending", "sent"),
    "undelivered": ("sending", "sent"),
    "failed": ("sending", "sent"),
}
_E164 = re.compile(r"\+[1-9]\d{6,18}")


def answer_inbound(
    session: Session, phone: str, body: str, now: dt.datetime, brand: str, on_reply=None
) -> str | None:
    """Act on a reply (opt out, opt back in, help); return the text to answer with, if any.

    `on_reply(session, phone, body, now, brand)` may take any other reply (the two-day pain
    score, chairops/outcomes) and return its answer, or None to leave it to the default.
    """
    word = body.strip().upper()
    known = bool(_E164.fullmatch(phone))
    if word in OPT_OUT_WORDS:
        if known:
            record_opt_out(session, phone, "stop_reply", now)
        return None  # Twilio confirms opt-outs itself: do not text twice
    if word in OPT_IN_WORDS:
        if known:
            record_opt_in(session, phone)
        return None
    if known and session.get(OptOut, phone) is not None:
        return None  # an opted-out number gets nothing from us, replies included
    if word in HELP_WORDS:
        return texts.help_text(brand)
    answer = on_reply(session, phone, body, now, brand) if known and on_reply else None
    return answer or texts.other_reply_text(brand)


def apply_status(
    session: Session, sid: str, reported: str, error_code: str, now: dt.datetime
) -> bool:
    """Move a text forward to what Twilio reports; never backwards, and safe to repeat."""
    status = _OURS.get(reported)
    if not sid or status is None:
        return False
    values = {"status": status}
    if error_code and status in ("failed", "undelivered"):
        values["error_code"] = error_code[:20]
    moved = session.execute(
        update(Message)
        .where(Message.provider_sid == sid, Message.status.in_(_MOVES_FROM[status]))
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if error_code == str(OPTED_OUT_CODE):
        to = session.scalar(select(Message.to).where(Message.provider_sid == sid))
        if to:
            record_opt_out(session, to, "twilio_21610", now)
    return moved > 0


def signature_is_valid() -> bool:
    """Whether X-Twilio-Signature matches the public URL and the form; never without a token."""
    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    signature = request.headers.get("X-Twilio-Signature")
    if not token or not signature:
        return False
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    url = base + request.script_root + request.full_path.removesuffix("?")
    return RequestValidator(token).validate(url, request.form, signature)


@bp.before_request
def require_signature():
    if not signature_is_valid():
        abort(403)


def _twiml(reply: str | None) -> Response:
    answer = MessagingResponse()
    if reply:
        answer.message(reply)
    return Response(str(answer), mimetype="text/xml")


@bp.post("/inbound")
def inbound():
    phone = request.form.get("From", "")
    reply = answer_inbound(
        db.session, phone, request.form.get("Body", ""), utcnow(), current_app.config["BRAND_NAME"],
        on_reply=current_app.extensions.get("chairops.inbound_reply"),
    )  # fmt: skip
    db.session.commit()
    log.info("reply from %s answered: %s", mask(phone), "yes" if reply else "no")
    return _twiml(reply)


@bp.post("/status")
def status():
    form = request.form
    apply_status(
        db.session,
        form.get("MessageSid", ""),
        form.get("MessageStatus", form.get("SmsStatus", "")),
        form.get("ErrorCode", ""),
        utcnow(),
    )
    db.session.commit()
    return "", 200
