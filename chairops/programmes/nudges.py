"""Telling people the waitlist did not seat when the programme's next date opens for sign-up.

A clock job, and safe to repeat: it looks at programme dates that have ended (in their own zone)
and texts each number once per next date (the idempotency key), inside texting hours.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..config import TextSettings
from ..messaging import texts
from ..messaging.outbox import enqueue
from ..messaging.rules import hold_to_quiet_hours
from ..models import Booking, Event, Message, OptOut, WaitlistEntry
from ..seating.rules import TURN_STATUSES
from ..tokens import hash_token
from . import rules

# Dates that ended longer ago than this are left alone (a first run tells nobody about old news).
LOOKBACK = dt.timedelta(days=14)


def tell_next_dates(session: Session, now: dt.datetime, cfg: TextSettings) -> int:
    """Text the unseated waitlist of every recently ended programme date; return texts written."""
    recent = select(Event).where(
        Event.programme_id.is_not(None),
        Event.date >= (now - LOOKBACK).date(),
        Event.date <= now.date() + dt.timedelta(days=1),
    )
    written = 0
    for event in session.scalars(recent.order_by(Event.date, Event.id)):
        if not rules.has_ended(event.date, event.end_time, event.timezone, now):
            continue
        following = next_date(session, event, now)
        if following is not None:
            written += _tell(session, event, following, now, cfg)
    return written


def next_date(session: Session, event: Event, now: dt.datetime) -> Event | None:
    """The programme's next published date after this one, if it is still to come."""
    following = session.scalar(
        select(Event)
        .where(
            Event.programme_id == event.programme_id,
            Event.date > event.date,
            Event.status == "published",
        )
        .order_by(Event.date)
        .limit(1)
    )
    if following is None:
        return None
    start = (following.date, following.start_time, following.timezone)
    return following if rules.starts_after(*start, now) else None


def unseated_phones(session: Session, event: Event) -> list[str]:
    """Numbers on the date's waitlist that got no chair there and have not opted out."""
    seated = select(Booking.phone).where(
        Booking.event_id == event.id,
        Booking.status.in_(TURN_STATUSES),
        Booking.phone.is_not(None),
    )
    rows = session.scalars(
        select(WaitlistEntry.phone)
        .where(
            WaitlistEntry.event_id == event.id,
            WaitlistEntry.status.in_(rules.NOT_SERVED),
            WaitlistEntry.phone.not_in(seated),
            WaitlistEntry.phone.not_in(select(OptOut.phone)),
        )
        .distinct()
    )
    return sorted(rows)


def _tell(session: Session, event: Event, following: Event, now, cfg: TextSettings) -> int:
    tz = following.timezone
    opens = following.signup_opens_at
    not_yet = opens is not None and opens > now
    body = texts.next_date_opens(
        cfg.brand,
        rules.short_day(event.date),
        rules.short_day(following.date),
        rules.opens_wording(opens, tz) if not_yet else None,
        f"{cfg.base_url}/e/{following.share_token}",
    )
    valid_until = opens if not_yet else rules.starts_at(following.date, following.start_time, tz)
    send_at = hold_to_quiet_hours(now, tz)
    if send_at >= valid_until:
        return 0  # texting hours come too late for this to be of use
    keys = {_key(following, phone): phone for phone in unseated_phones(session, event)}
    told = set(
        session.scalars(select(Message.idempotency_key).where(Message.idempotency_key.in_(keys)))
    )
    for key in sorted(keys.keys() - told):
        enqueue(
            session, to=keys[key], kind="next_date_opens", body=body, send_at=send_at, key=key,
            event_id=following.id, valid_until=valid_until, first_text_line=texts.STOP_LINE,
        )  # fmt: skip
    return len(keys.keys() - told)


def _key(following: Event, phone: str) -> str:
    """One text per number and next date, whichever earlier date it missed."""
    return f"programme:{following.programme_id}:next:{following.id}:{hash_token(phone)[:24]}"
