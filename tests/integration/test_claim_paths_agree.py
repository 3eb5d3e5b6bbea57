"""The one-statement claim (PostgreSQL) and the step-by-step claim answer alike on any state.

The step-by-step path is the claim as it was before the set-based statement; hypothesis builds
random events (bookings, cancellations, chairs running late, offers holding slots, the claimant
already booked or waiting) and both paths claim the same start in a savepoint that is rolled back.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from chairops.booking import service
from chairops.booking.service import Claim, claim_slot
from chairops.config import TextSettings
from chairops.errors import ChairopsError
from chairops.models import Booking, Message, Slot, WaitlistEntry
from chairops.seating.availability import time_options
from chairops.tokens import hash_token, redact_links
from tests.factories import phone

CFG = TextSettings("https://chairops.example", "Chairops")
CLAIMANT = 99
# Long enough that texts must shorten them, and outside GSM-7, so the wording is made plain too.
LONG_NAME = ("Zoë Łukasz-Wojciechowska " * 4)[:80]
LONG_PLACE = ("The ‘Loft’ above the Great Hall of the Company’s Headquarters, " * 4)[:200]

states = st.fixed_dictionaries(
    {
        "chairs": st.integers(1, 3),
        "booked": st.lists(st.tuples(st.integers(0, 7), st.booleans()), max_size=8),
        "late": st.lists(st.sampled_from([0, 0, 10, 25]), min_size=3, max_size=3),
        "held": st.lists(st.integers(0, 15), max_size=2),
        "claimant": st.sampled_from(["new", "waiting", "offered", "booked"]),
        "start": st.integers(0, 9),
        "consent": st.sampled_from([True, True, False]),
        "on_the_day": st.booleans(),
        "name": st.sampled_from(["Robin Q. Claimant", LONG_NAME]),
        "place": st.sampled_from(["1 Main Street", LONG_PLACE]),
    }
)


@pytest.fixture
def backend():
    """The one-statement claim exists on PostgreSQL only (SQLite has no data-modifying CTEs)."""
    return "postgresql"


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # shrinking a database state is slow
)
@given(state=states)
@example(  # on the day, "up next" is due at once: its lead time has already begun
    state={"chairs": 1, "booked": [], "late": [0, 0, 0], "held": [], "claimant": "offered",
           "start": 0, "consent": True, "on_the_day": True, "name": LONG_NAME,
           "place": LONG_PLACE},
)  # fmt: skip
@example(  # the last free chair at a start is held for someone else's offer
    state={"chairs": 2, "booked": [(1, False)], "late": [25, 0, 0], "held": [3],
           "claimant": "waiting", "start": 1, "consent": True, "on_the_day": False,
           "name": "Robin Q. Claimant", "place": "1 Main Street"},
)  # fmt: skip
def test_both_claim_paths_give_the_same_answer(backend, make, session, state, monkeypatch):
    event, now = _build(make, session, state)
    starts = [o.start for o in time_options(session, event, now)]  # the times still to come
    start = starts[state["start"] % len(starts)] if state["start"] < 8 else "2000-01-01T00:00Z"
    claim = Claim(state["name"], phone(CLAIMANT), str(start), state["consent"])
    answers = []
    for one_statement in (False, True):
        monkeypatch.setattr(service, "one_statement_claims", lambda _s, v=one_statement: v)
        with session.begin_nested() as savepoint:
            answers.append(_outcome(session, event, claim, now))
            savepoint.rollback()
    assert answers[0] == answers[1], state


def _build(make, session, state):
    event = make.event(
        chairs=state["chairs"], start_time="10:00", end_time="12:00", location=state["place"]
    )
    zone = ZoneInfo(event.timezone)
    # Sign-up stays open on the day (it closes when the event opens unless told otherwise), so
    # claims on the day test "up next" timing.
    event.signup_closes_at = dt.datetime.combine(event.date, dt.time(12), zone).astimezone(dt.UTC)
    if state["on_the_day"]:
        now = dt.datetime.combine(event.date, dt.time(10, 35), zone).astimezone(dt.UTC)
    else:
        now = dt.datetime.combine(event.date, dt.time(8, 0), zone).astimezone(dt.UTC)
        now -= dt.timedelta(days=1)
    slots = session.scalars(
        select(Slot).where(Slot.event_id == event.id).order_by(Slot.starts_at, Slot.id)
    ).all()
    for n, (index, cancelled) in enumerate(state["booked"]):
        try:
            booking, _ = make.booking(event, n, start=slots[index % len(slots)].starts_at, now=now)
        except ChairopsError:
            continue  # every chair at that start is taken already
        if cancelled:
            booking.status = "cancelled"
    for chair, late in zip(event.chairs, state["late"], strict=False):
        chair.late_minutes = late
    for n, index in enumerate(state["held"]):
        _waiting(session, event, 50 + n, now, offered=slots[index % len(slots)])
    if state["claimant"] == "booked":
        free = [o.start for o in time_options(session, event, now) if o.available]
        if free:
            make.booking(event, CLAIMANT, start=free[-1], now=now)
    elif state["claimant"] in ("waiting", "offered"):
        offered = slots[-1] if state["claimant"] == "offered" else None
        _waiting(session, event, CLAIMANT, now, offered=offered)
    session.commit()
    return event, now


def _waiting(session, event, n, now, offered=None):
    entry = WaitlistEntry(
        event_id=event.id, name=f"Waiting {n}", phone=phone(n), sms_consent_at=now, position=n,
        status="offered" if offered else "waiting", token_hash=hash_token(secrets.token_hex(8)),
        offered_slot_id=offered.id if offered else None,
        offer_expires_at=now + dt.timedelta(minutes=10) if offered else None,
    )  # fmt: skip
    try:
        with session.begin_nested():
            session.add(entry)
    except IntegrityError:  # one live offer per slot: this slot is held already
        _waiting(session, event, n, now)


def _outcome(session, event, claim, now):
    """What a claim did, with ids and tokens that differ between runs taken out."""
    try:
        booking, _ = claim_slot(session, event, claim, now, texts=CFG)
    except ChairopsError as exc:
        next_times = [t.start for t in getattr(exc, "next_times", None) or []]
        return type(exc).__name__, getattr(exc, "errors", None), next_times
    session.flush()
    texts = session.scalars(
        select(Message).where(Message.event_id == event.id).order_by(Message.kind, Message.to)
    ).all()
    line = session.execute(
        select(WaitlistEntry.phone, WaitlistEntry.status).order_by(WaitlistEntry.phone)
    ).all()
    seated = session.get(Booking, booking.id)
    return (
        seated.slot.chair.number, seated.slot.starts_at, seated.status, seated.sms_consent,
        [_text(m, booking.id) for m in texts if m.status == "pending"], line,
    )  # fmt: skip


def _text(message, booking_id):
    key = re.sub(rf"^booking:{booking_id}:", "booking:NEW:", message.idempotency_key)
    key = re.sub(r":offer:\d+:", ":offer:SLOT:", key)
    return (message.kind, message.to, key, redact_links(message.body), message.segments,
            message.send_at, message.valid_until)  # fmt: skip
