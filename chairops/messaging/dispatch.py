"""The dispatcher: claim due texts under a lease, send them outside any transaction, record.

A text whose fate is unclear (a timeout after the request left, a crash between claim and
record) is never sent again blindly: `reconcile_unknown` asks the provider first.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import random
import re
import time
from collections import Counter
from collections.abc import Iterable, Iterator

from flask import Flask
from requests import RequestException
from requests.exceptions import ConnectionError as RequestsConnectionError
from requests.exceptions import ConnectTimeout
from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased
from twilio.base.exceptions import TwilioException
from urllib3.exceptions import NewConnectionError

from ..booking.phones import mask
from ..extensions import db
from ..models import Message, OptOut, utcnow
from .outbox import redact_links
from .senders import Sender

log = logging.getLogger(__name__)

LEASE_SECONDS = 60
MAX_ATTEMPTS = 6
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 30 * 60
PERMANENT_CODES = frozenset({21211, 21408, 21612, 21614, 30006})
OPTED_OUT_CODE = 21610
RATE_LIMITED_CODE = 20429
RETRY, FAILED, OPTED_OUT, UNKNOWN = "retry", "failed", "opted_out", "unknown"
SEND_ERRORS = (TwilioException, RequestException)
_NOT_FINAL = ("sending", "pending", "unknown")
_NUMBER = re.compile(r"\+?\d{6,}")


def _due(model, now: dt.datetime):
    return and_(
        model.status == "pending",
        model.send_at <= now,
        or_(model.next_attempt_at.is_(None), model.next_attempt_at <= now),
    )


def claim_due(
    session: Session, now: dt.datetime, limit: int, lease_seconds: float = LEASE_SECONDS
) -> list[int]:
    """Mark up to `limit` due texts `sending` under a lease and commit, before anything is sent."""
    values = {
        "status": "sending",
        "claimed_at": now,
        "lease_until": now + dt.timedelta(seconds=lease_seconds),
        "attempts": Message.attempts + 1,
    }
    if session.get_bind().dialect.name == "postgresql":
        ids = _claim_skip_locked(session, now, limit, values)
    else:
        ids = _claim_conditionally(session, now, limit, values)
    session.commit()
    return ids


def _claim_skip_locked(session: Session, now, limit: int, values: dict) -> list[int]:
    # Rows another dispatcher has locked are skipped, not waited for: each row goes to one.
    due = aliased(Message)
    locked = (
        select(due.id)
        .where(_due(due, now))
        .order_by(due.send_at, due.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claim = (
        update(Message)
        .where(Message.id.in_(locked.scalar_subquery()), Message.status == "pending")
        .values(**values)
        .returning(Message.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(session.scalars(claim))


def _claim_conditionally(session: Session, now, limit: int, values: dict) -> list[int]:
    candidates = session.scalars(
        select(Message.id)
        .where(_due(Message, now))
        .order_by(Message.send_at, Message.id)
        .limit(limit)
    ).all()
    claimed = []
    for message_id in candidates:
        # Only the one update that still sees the row due wins it.
        result = session.execute(
            update(Message)
            .where(Message.id == message_id, _due(Message, now))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            claimed.append(message_id)
    return claimed


def send_claimed(session: Session, sender: Sender, message_id: int, now: dt.datetime) -> str:
    """Send one claimed text unless it is too late or its number opted out; return its status."""
    row = session.execute(
        select(Message.to, Message.body, Message.valid_until, OptOut.phone.label("opted_out"))
        .outerjoin(OptOut, OptOut.phone == Message.to)
        .where(Message.id == message_id, Message.status == "sending")
    ).one_or_none()
    if row is None:
        session.commit()
        return "skipped"
    if row.valid_until is not None and row.valid_until <= now:
        return _finish(session, message_id, status="dropped", lease_until=None)
    if row.opted_out:
        return _finish(session, message_id, status="suppressed", lease_until=None)
    session.commit()  # no transaction stays open while the provider answers
    left = math.ceil((row.valid_until - now).total_seconds()) if row.valid_until else None
    try:
        result = sender.send(row.to, row.body, valid_until_seconds=left)
    except SEND_ERRORS as exc:
        return record_failure(session, message_id, row.to, exc, now)
    return _finish(
        session, message_id, status="sent", provider_sid=result.sid, sent_at=now,
        body=redact_links(row.body), lease_until=None, error_code=None, error_text=None,
    )  # fmt: skip


def _finish(session: Session, message_id: int, **values) -> str:
    session.execute(
        update(Message)
        .where(Message.id == message_id, Message.status.in_(_NOT_FINAL))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return values["status"]


def classify(exc: Exception) -> str:
    """What a send error means: retry later, failed for good, opted out, or unknown."""
    code, status = getattr(exc, "code", None), getattr(exc, "status", None)
    if code == OPTED_OUT_CODE:
        return OPTED_OUT
    if code in PERMANENT_CODES:
        return FAILED
    if status == 429 or code == RATE_LIMITED_CODE:
        return RETRY
    if isinstance(exc, TwilioException) and isinstance(status, int):
        if status >= 500:
            return UNKNOWN  # Twilio may have accepted it before failing
        # Bad credentials may be fixed soon; any other refusal would repeat itself.
        return RETRY if status in (401, 403) else FAILED
    return RETRY if _never_left(exc) else UNKNOWN


def _never_left(exc: Exception) -> bool:
    if isinstance(exc, ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(exc, RequestsConnectionError) and isinstance(reason, NewConnectionError)


def backoff(attempt: int, rand=random.random) -> dt.timedelta:
    """Exponential backoff with jitter: half to all of base * 2^(attempt-1), capped."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (attempt - 1))
    return dt.timedelta(seconds=ceiling / 2 + rand() * ceiling / 2)


def _error_fields(exc: Exception) -> tuple[str | None, str]:
    code = getattr(exc, "code", None)
    text = getattr(exc, "msg", None) or getattr(exc, "detail", None) or type(exc).__name__
    # Twilio's messages quote the number; keep only its last digits, as everywhere else.
    text = _NUMBER.sub(lambda m: mask(m.group()), str(text))
    return (str(code) if code is not None else None), text[:300]


def record_failure(
    session: Session, message_id: int, to: str, exc: Exception, now: dt.datetime
) -> str:
    """Record a send error: back off and retry, fail for good, opt the number out, or unknown."""
    outcome = classify(exc)
    code, text = _error_fields(exc)
    values = {"error_code": code, "error_text": text}
    if outcome == RETRY:
        attempts = session.scalar(select(Message.attempts).where(Message.id == message_id))
        if attempts < MAX_ATTEMPTS:
            retry_at = now + backoff(attempts)
            values |= {"status": "pending", "next_attempt_at": retry_at, "lease_until": None}
        else:
            values["status"] = "failed"
    elif outcome == OPTED_OUT:
        record_opt_out(session, to, "twilio_21610", now)
        values |= {"status": "suppressed", "lease_until": None}
    else:
        values["status"] = outcome  # failed for good, or unknown (its lease delays reconciling)
    log.warning("text %s: %s (code %s) -> %s", message_id, type(exc).__name__, code, outcome)
    return _finish(session, message_id, **values)


def record_opt_out(session: Session, phone: str, source: str, now: dt.datetime) -> int:
    """Stop texting a number: remember the opt-out and suppress its texts not yet sent."""
    if session.get(OptOut, phone) is None:
        try:
            with session.begin_nested():
                session.add(OptOut(phone=phone, since=now, source=source))
        except IntegrityError:
            pass  # the same number opted out a moment ago in another request
    suppress = (
        update(Message)
        .where(Message.to == phone, Message.status == "pending")
        .values(status="suppressed")
        .execution_options(synchronize_session=False)
    )
    return session.execute(suppress).rowcount


def record_opt_in(session: Session, phone: str) -> bool:
    """Let a number receive texts again; texts already suppressed stay so."""
    return session.execute(delete(OptOut).where(OptOut.phone == phone)).rowcount > 0


def reconcile_unknown(session: Session, sender: Sender, now: dt.datetime, limit: int = 100):
    """Settle texts whose fate is unknown by asking the provider: found, sent; not found, resend."""
    rows = session.execute(
        select(Message.id, Message.to, Message.body, Message.claimed_at, Message.attempts)
        .where(_unsettled(now))
        .order_by(Message.id)
        .limit(limit)
    ).all()
    session.commit()
    counts = Counter()
    for row in rows:
        since = (row.claimed_at or now) - dt.timedelta(minutes=1)
        try:
            sid = sender.find(row.to, row.body, since)
        except SEND_ERRORS as exc:
            log.warning("text %s: lookup failed (%s); will retry", row.id, type(exc).__name__)
            counts["deferred"] += 1
            continue
        counts[_settle(session, row, sid, now)] += 1
    return dict(counts)


def _unsettled(now: dt.datetime):
    # A live lease means a dispatcher may still be recording: wait until it has expired.
    expired = or_(Message.lease_until.is_(None), Message.lease_until < now)
    return and_(Message.status.in_(("unknown", "sending")), expired)


def _settle(session: Session, row, sid: str | None, now: dt.datetime) -> str:
    taken = sid and session.scalar(select(Message.id).where(Message.provider_sid == sid))
    if sid and not taken:
        values = {"status": "sent", "provider_sid": sid, "sent_at": row.claimed_at or now}
        values |= {"body": redact_links(row.body), "lease_until": None}
    elif row.attempts >= MAX_ATTEMPTS:
        values = {"status": "failed", "error_text": "Not found at the provider; gave up."}
    else:
        values = {"status": "pending", "next_attempt_at": now, "lease_until": None}
    session.execute(
        update(Message)
        .where(Message.id == row.id, _unsettled(now))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return values["status"]


def _paced(items: Iterable[int], rate: float | None) -> Iterator[int]:
    start = time.monotonic()
    for i, item in enumerate(items):
        delay = start + i / rate - time.monotonic() if rate else 0
        if delay > 0:
            time.sleep(delay)
        yield item


def _send_logged(session: Session, sender: Sender, message_id: int) -> str:
    try:
        return send_claimed(session, sender, message_id, utcnow())
    except Exception:  # noqa: BLE001 - one bad row must not stop the batch
        # The row stays `sending`; reconciliation settles it once its lease expires.
        log.exception("text %s: unexpected error while sending", message_id)
        session.rollback()
        return "error"


def dispatch_once(app: Flask, limit: int = 100, rate_per_second: float | None = None) -> dict:
    """Claim due texts and send them, at most rate_per_second a second; return counts."""
    if rate_per_second is None:
        rate_per_second = app.config.get("SMS_RATE_PER_SECOND", 10)
    rate = float(rate_per_second) if rate_per_second else None  # 0 or none: no cap
    sender = app.extensions["sms_sender"]
    # The lease outlasts the whole paced batch, so no row is reconciled while still queued here.
    lease = LEASE_SECONDS + (limit / rate if rate else 0)
    with app.app_context(), db.engine.connect() as connection, Session(bind=connection) as session:
        ids = claim_due(session, utcnow(), limit, lease_seconds=lease)
        counts = Counter(claimed=len(ids))
        for message_id in _paced(ids, rate):
            counts[_send_logged(session, sender, message_id)] += 1
    return dict(counts)


def reconcile_once(app: Flask) -> dict:
    """Reconcile unknown and abandoned texts with the provider (a clock job)."""
    sender = app.extensions["sms_sender"]
    with app.app_context(), db.engine.connect() as connection, Session(bind=connection) as session:
        return reconcile_unknown(session, sender, utcnow())
