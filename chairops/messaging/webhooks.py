"""Twilio's webhooks: replies from attendees (STOP, START, HELP) and delivery status callbacks.

Both are signed by Twilio; the signature covers the public URL, so it is rebuilt from
PUBLIC_BASE_URL (behind a proxy `request.url` is not what Twilio requested). A signature never
expires, so each webhook is acted on once: a replay of it (same MessageSid) changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import re

from flask import Blueprint, Response, abort, current_app, request
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from ..extensions import db
from ..models import Company, Message, OptOut, WebhookReceipt, utcnow
from ..phones import mask
from . import texts
from .dispatch import record_opt_in, record_opt_out
from .rules import languages_for, reply_keyword
from .senders import OPTED_OUT_CODE

log = logging.getLogger(__name__)

bp = Blueprint("twilio", __name__, url_prefix="/twilio")

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


def first_receipt(session: Session, sid: str, event: str, now: dt.datetime) -> bool:
    """Record that this webhook is being acted on; False if it was before (a replay)."""
    if not sid:
        return True  # Twilio always sends one; without it there is nothing to match a replay by
    try:
        with session.begin_nested():
            session.add(WebhookReceipt(sid=sid[:64], event=event[:20] or "-", received_at=now))
            session.flush()
    except IntegrityError:
        return False
    return True


def purge_receipts(session: Session, now: dt.datetime, keep_days: int) -> int:
    """Forget receipts older than `keep_days`: Twilio retries a webhook within hours, so a
    replay that old is not a retry, and the table would otherwise grow by every status
    callback of every text."""
    cutoff = now - dt.timedelta(days=keep_days)
    result = session.execute(
        delete(WebhookReceipt)
        .where(WebhookReceipt.received_at < cutoff)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def reply_languages(session: Session) -> frozenset[str]:
    """The languages replies may come in: those of the companies' countries."""
    return languages_for(session.scalars(select(Company.country).distinct()))


def answer_inbound(
    session: Session, phone: str, body: str, now: dt.datetime, brand: str, on_reply=None
) -> str | None:
    """Act on a reply (opt out, opt back in, help); return the text to answer with, if any.

    `on_reply(session, phone, body, now, brand)` may take any other reply (the two-day pain
    score, chairops/outcomes) and return its answer, or None to leave it to the default.
    """
    kind, twilio_acted = reply_keyword(body, reply_languages(session))
    known = bool(_E164.fullmatch(phone))
    if kind == "opt_out":
        if known:
            record_opt_out(session, phone, "stop_reply", now)
        # Twilio confirms its own keywords; for the others we must, once.
        return None if twilio_acted else texts.opted_out_text(brand)
    if kind == "opt_in":
        if known:
            record_opt_in(session, phone)
        return None
    if known and session.get(OptOut, phone) is not None:
        return None  # an opted-out number gets nothing from us, replies included
    if kind == "help":
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
    phone, now = request.form.get("From", ""), utcnow()
    if not first_receipt(db.session, request.form.get("MessageSid", ""), "inbound", now):
        log.info("reply from %s was a replay: ignored", mask(phone))
        return _twiml(None)
    reply = answer_inbound(
        db.session, phone, request.form.get("Body", ""), now, current_app.config["BRAND_NAME"],
        on_reply=current_app.extensions.get("chairops.inbound_reply"),
    )  # fmt: skip
    db.session.commit()
    log.info("reply from %s answered: %s", mask(phone), "yes" if reply else "no")
    return _twiml(reply)


@bp.post("/status")
def status():
    form, now = request.form, utcnow()
    sid = form.get("MessageSid") or form.get("SmsSid", "")
    reported = form.get("MessageStatus") or form.get("SmsStatus", "")
    # The same status for the same text twice is a replay: a late 21610 must not opt out anew.
    if first_receipt(db.session, sid, reported, now):
        apply_status(db.session, sid, reported, form.get("ErrorCode", ""), now)
    db.session.commit()
    return "", 200
