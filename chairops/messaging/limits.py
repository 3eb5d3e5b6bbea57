"""Limits against SMS pumping, applied where every text passes: when the dispatcher claims it.

Per destination number (an hour, a day), per event (an hour, by its size), in all (an hour,
with an alert in the log), and the destination's country. A text over a limit is `suppressed`
with the reason in its error text; one held by the hourly budget waits for the next hour.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping

import phonenumbers
from sqlalchemy import and_, bindparam, case, exists, func, select, text, update
from sqlalchemy.orm import Session

from ..models import Company, Event, Message, Slot
from ..phones import mask
from .rules import SendLimits, allowed_countries, event_hourly_cap, held_back

log = logging.getLogger(__name__)

HOUR, DAY = dt.timedelta(hours=1), dt.timedelta(days=1)
# Texts that never went (or never will) do not count towards any limit.
NOT_COUNTED = ("suppressed", "cancelled", "dropped")
# One PostgreSQL advisory lock: claims count and mark in turn, so no two pass a limit at once.
CLAIM_LOCK = 7_263_001
_TABLE = Message.__table__
_SUPPRESS = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("_id"), _TABLE.c.status == "sending")
    .values(status="suppressed", error_text=bindparam("reason"), lease_until=None)
)


def limits_from_config(config: Mapping) -> SendLimits:
    """The limits the SMS_* settings give (0 turns one off)."""
    return SendLimits(
        number_hourly=int(config.get("SMS_NUMBER_HOURLY_LIMIT", 10)),
        number_daily=int(config.get("SMS_NUMBER_DAILY_LIMIT", 20)),
        event_hourly_per_slot=int(config.get("SMS_EVENT_HOURLY_PER_SLOT", 3)),
        hourly_budget=int(config.get("SMS_HOURLY_BUDGET", 1000)),
    )


def take_turn(session: Session) -> None:
    """On PostgreSQL, wait for other dispatchers' claims; SQLite has one writer anyway."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CLAIM_LOCK})


def _counted(since: dt.datetime, exclude=()):
    return and_(
        Message.claimed_at >= since,
        Message.status.not_in(NOT_COUNTED),
        Message.id.not_in(exclude) if exclude else True,
    )


def budget_left(session: Session, now: dt.datetime, limits: SendLimits, due) -> int | None:
    """Texts still allowed this hour (None: no budget); an alert in the log once it is used up."""
    if not limits.hourly_budget:
        return None
    used = session.scalar(select(func.count(Message.id)).where(_counted(now - HOUR))) or 0
    left = max(limits.hourly_budget - used, 0)
    if left == 0 and session.scalar(select(exists().where(due))):
        log.error(
            "ALERT: the hourly text budget is used up (%d texts in the last hour, "
            "SMS_HOURLY_BUDGET=%d); due texts wait. Is someone pumping texts?",
            used, limits.hourly_budget,
        )  # fmt: skip
    return left


def hold_over_limits(
    session: Session, ids: list[int], now: dt.datetime, limits: SendLimits
) -> dict[int, str]:
    """Suppress the claimed texts that a limit or the country list holds back; id -> reason."""
    rows = session.execute(
        select(Message.id, Message.to, Message.event_id)
        .where(Message.id.in_(ids))
        .order_by(Message.send_at, Message.id)
    ).all()
    batch = [(r.id, r.to, r.event_id) for r in rows]
    events = {r.event_id for r in rows if r.event_id is not None}
    held = held_back(
        batch,
        _number_counts(session, {r.to for r in rows}, now, ids),
        _event_counts(session, events, now, ids),
        _event_caps(session, events, limits),
        limits,
    )
    held |= _outside_countries(session, [r for r in rows if r.id not in held], events)
    if held:
        session.execute(_SUPPRESS, [{"_id": i, "reason": why} for i, why in held.items()])
        for row in rows:
            if row.id in held:
                log.warning("text %s to %s suppressed: %s", row.id, mask(row.to), held[row.id])
    return held


def _number_counts(session, numbers: set[str], now, ids) -> dict[str, tuple[int, int]]:
    in_hour = func.sum(case((Message.claimed_at >= now - HOUR, 1), else_=0))
    rows = session.execute(
        select(Message.to, in_hour, func.count(Message.id))
        .where(Message.to.in_(numbers), _counted(now - DAY, ids))
        .group_by(Message.to)
    )
    return {to: (int(hour or 0), int(day)) for to, hour, day in rows}


def _event_counts(session, events: set[int], now, ids) -> dict[int, int]:
    if not events:
        return {}
    rows = session.execute(
        select(Message.event_id, func.count(Message.id))
        .where(Message.event_id.in_(events), _counted(now - HOUR, ids))
        .group_by(Message.event_id)
    )
    return {event_id: count for event_id, count in rows}


def _event_caps(session, events: set[int], limits: SendLimits) -> dict[int, int]:
    if not events or not limits.event_hourly_per_slot:
        return {}
    rows = session.execute(
        select(Slot.event_id, func.count(Slot.id))
        .where(Slot.event_id.in_(events))
        .group_by(Slot.event_id)
    )
    slots = {event_id: count for event_id, count in rows}
    return {e: event_hourly_cap(slots.get(e, 0), limits.event_hourly_per_slot) for e in events}


def region_of(number: str) -> str | None:
    """The country of an E.164 number ("001" for satellite and global networks), or None."""
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(number, None))
    except phonenumbers.NumberParseException:
        return None


def _outside_countries(session, rows, events: set[int]) -> dict[int, str]:
    """Texts to numbers outside their company's countries (checked again here, at send time)."""
    allowed = {
        event_id: allowed_countries(country, extra)
        for event_id, country, extra in session.execute(
            select(Event.id, Company.country, Company.sms_countries)
            .join(Company, Company.id == Event.company_id)
            .where(Event.id.in_(events))
        )
    }
    anywhere = frozenset().union(
        *(allowed_countries(c, e) for c, e in session.execute(
            select(Company.country, Company.sms_countries)
        ))
    )  # fmt: skip
    held = {}
    for row in rows:
        countries = allowed.get(row.event_id, anywhere) if row.event_id else anywhere
        if countries and region_of(row.to) not in countries:
            held[row.id] = "Not sent: the number is outside the countries this company texts."
    return held
