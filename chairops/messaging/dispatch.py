"""The dispatcher: claim due texts under a lease, send them outside any transaction, record.

A text whose fate is unclear (a timeout after the request left, a crash between claim and
record) is never sent again blindly: `reconcile_unknown` asks the provider first.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import random
from collections import Counter

from flask import Flask
from sqlalchemy import and_, bindparam, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from ..extensions import db
from ..models import Event, Message, OptOut, utcnow
from ..tokens import redact_links
from .limits import budget_left, hold_over_limits, limits_from_config, take_turn
from .pace import SharedPace
from .rules import SendLimits, hold_to_quiet_hours
from .senders import (
    OPTED_OUT,
    OPTED_OUT_CODE,
    RETRY,
    SEND_ERRORS,
    UNKNOWN,
    Sender,
    classify,
    describe_error,
)

log = logging.getLogger(__name__)

LEASE_SECONDS = 60
MAX_ATTEMPTS = 6
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 30 * 60
_NOT_FINAL = ("sending", "pending", "unknown")
# Texts sent between two writes of their outcomes; a crash leaves at most these to reconcile.
RECORD_EVERY = 25
# Kinds never sent outside quiet hours, even when a dispatcher comes to them late.
HELD_TO_QUIET_HOURS = ("tips",)
_ROW = (
    Message.id,
    Message.to,
    Message.body,
    Message.valid_until,
    Message.attempts,
    Message.lease_until,
    Message.kind,
    Event.timezone,
)
_TABLE = Message.__table__
# One statement records a whole chunk (executemany); a text already final is left alone.
_RECORD = update(_TABLE).where(
    _TABLE.c.id == bindparam("_id"), or_(*(_TABLE.c.status == s for s in _NOT_FINAL))
)


def _due(model, now: dt.datetime):
    return and_(
        model.status == "pending",
        model.send_at <= now,
        or_(model.next_attempt_at.is_(None), model.next_attempt_at <= now),
    )


class Claimed(list):
    """The ids of claimed texts to send; `held` has those a sending limit suppressed instead."""

    held: dict[int, str]

    def __init__(self, ids=(), held=None):
        super().__init__(ids)
        self.held = held or {}


def claim_due(
    session: Session,
    now: dt.datetime,
    limit: int,
    lease_seconds: float = LEASE_SECONDS,
    limits: SendLimits | None = None,
) -> Claimed:
    """Mark up to `limit` due texts `sending` under a lease and commit, before anything is sent.

    With `limits`, texts over a sending limit are suppressed instead (limits.py), and no more
    are claimed than the hourly budget has left.
    """
    if limits is not None:
        take_turn(session)
        left = budget_left(session, now, limits, _due(Message, now))
        limit = limit if left is None else min(limit, left)
        if limit <= 0:
            session.commit()
            return Claimed()
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
    held = hold_over_limits(session, ids, now, limits) if limits is not None and ids else {}
    session.commit()
    return Claimed([i for i in ids if i not in held], held)


def _claim_skip_locked(session: Session, now, limit: int, values: dict) -> list[int]:
    # Rows another dispatcher has locked are skipped, not waited for: each row goes to one.
    due = aliased(Message)
    # MATERIALIZED: as a plain subquery PostgreSQL may rescan it for every row it updates,
    # and then one claim takes every due text instead of `limit` (issue 12: 500 for 25).
    locked = (
        select(due.id)
        .where(_due(due, now))
        .order_by(due.send_at, due.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("claimable")
        .prefix_with("MATERIALIZED")
    )
    claim = (
        update(Message)
        .where(Message.id.in_(select(locked.c.id)), Message.status == "pending")
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
    statuses = send_many(session, sender, [message_id], clock=lambda: now)
    return statuses[0] if statuses else "skipped"


def send_many(
    session: Session, sender: Sender, message_ids: list[int], clock=utcnow, pace=None
) -> list[str]:
    """Re-read claimed texts, send each outside any transaction, then record them together."""
    rows = session.execute(
        select(*_ROW, OptOut.phone.label("opted_out"))
        .outerjoin(OptOut, OptOut.phone == Message.to)
        .outerjoin(Event, Event.id == Message.event_id)
        .where(Message.id.in_(message_ids), Message.status == "sending")
        .order_by(Message.id)
    ).all()
    session.commit()  # no transaction stays open while the provider answers
    outcomes = []
    for row in rows:
        if pace:
            pace()
        outcomes.append(_attempt(sender, row, clock()))
    _record(session, rows, outcomes, clock())
    return [values["status"] for values in outcomes]


def _record(session: Session, rows, outcomes: list[dict], now: dt.datetime) -> None:
    for row, values in zip(rows, outcomes, strict=True):
        if values["error_code"] == str(OPTED_OUT_CODE):
            record_opt_out(session, row.to, "twilio_21610", now)
    if outcomes:
        session.execute(_RECORD, outcomes)
    session.commit()


def _attempt(sender: Sender, row, now: dt.datetime) -> dict:
    values = {"_id": row.id, "status": "sent", "provider_sid": None, "sent_at": None}
    values |= {"body": row.body, "error_code": None, "error_text": None}
    values |= {"next_attempt_at": None, "lease_until": None}
    if row.valid_until is not None and row.valid_until <= now:
        return values | {"status": "dropped"}
    if row.opted_out:
        return values | {"status": "suppressed"}
    if row.kind in HELD_TO_QUIET_HOURS and row.timezone:
        allowed = hold_to_quiet_hours(now, row.timezone)
        if allowed > now:  # a late dispatcher at night: wait for the morning, unsent
            return values | {"status": "pending", "next_attempt_at": allowed}
    left = math.ceil((row.valid_until - now).total_seconds()) if row.valid_until else None
    try:
        result = sender.send(row.to, row.body, valid_until_seconds=left)
    except Exception as exc:  # noqa: BLE001 - whatever it was, the text may or may not have left
        return values | _failure(row, exc, now)
    return values | {"provider_sid": result.sid, "sent_at": now, "body": redact_links(row.body)}


def backoff(attempt: int, rand=random.random) -> dt.timedelta:
    """Exponential backoff with jitter: half to all of base * 2^(attempt-1), capped."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (attempt - 1))
    return dt.timedelta(seconds=ceiling / 2 + rand() * ceiling / 2)


def _failure(row, exc: Exception, now: dt.datetime) -> dict:
    """What to record after a send error: retry later, failed for good, opted out, or unknown."""
    outcome = classify(exc)
    code, text = describe_error(exc)
    expected = isinstance(exc, SEND_ERRORS)
    log.warning("text %s: %s (code %s): %s", row.id, type(exc).__name__, code, outcome,
                exc_info=not expected)  # fmt: skip
    values = {"error_code": code, "error_text": text}
    if outcome == RETRY and row.attempts < MAX_ATTEMPTS:
        return values | {"status": "pending", "next_attempt_at": now + backoff(row.attempts)}
    if outcome == OPTED_OUT:
        return values | {"status": "suppressed"}
    if outcome == UNKNOWN:
        # Reconciled once this lease has expired, so a late answer has time to be recorded.
        return values | {"status": "unknown", "lease_until": row.lease_until}
    return values | {"status": "failed"}


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


def dispatch_once(app: Flask, limit: int = 100, rate_per_second: float | None = None) -> dict:
    """Claim due texts and send them, at most rate_per_second a second; return counts."""
    if rate_per_second is None:
        rate_per_second = app.config.get("SMS_RATE_PER_SECOND", 10)
    rate = float(rate_per_second) if rate_per_second else None  # 0 or none: no cap
    sender, limits = app.extensions["sms_sender"], limits_from_config(app.config)
    # The lease outlasts the whole paced batch, so no row is reconciled while still queued here
    # (with room for other clocks taking their turns at the shared pace).
    lease = LEASE_SECONDS + (3 * limit / rate if rate else 0)
    # Outcomes are written within about half a second, before most status callbacks arrive.
    every = max(1, min(RECORD_EVERY, int(rate / 2))) if rate else RECORD_EVERY
    with app.app_context(), db.engine.connect() as connection, Session(bind=connection) as session:
        # The cap holds for the whole service: every dispatcher takes its moments from one row.
        pace = SharedPace(db.engine, rate) if rate else None
        ids = claim_due(session, utcnow(), limit, lease_seconds=lease, limits=limits)
        counts = Counter(claimed=len(ids))
        if ids.held:
            counts["held_back"] = len(ids.held)
        for start in range(0, len(ids), every):
            chunk = ids[start : start + every]
            try:
                counts.update(send_many(session, sender, chunk, pace=pace))
            except Exception:  # noqa: BLE001 - one bad chunk must not stop the batch
                # Its rows stay `sending`; reconciliation settles them once the lease expires.
                log.exception("texts %s..%s: could not record", chunk[0], chunk[-1])
                session.rollback()
                counts["error"] += len(chunk)
    return dict(counts)


def reconcile_once(app: Flask) -> dict:
    """Reconcile unknown and abandoned texts with the provider (a clock job)."""
    sender = app.extensions["sms_sender"]
    with app.app_context(), db.engine.connect() as connection, Session(bind=connection) as session:
        return reconcile_unknown(session, sender, utcnow())
