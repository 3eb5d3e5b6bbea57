"""Texts written by the real services, for the longest name and place the forms take, in GSM-7
and not: each row records its segments, at most two, and keeps the count once sent (issue 13)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from chairops.booking.service import Claim, claim_slot, move_booking
from chairops.events.changes import cancel_event, update_details
from chairops.events.rules import TEXT_LIMITS
from chairops.messaging import rules, texts
from chairops.messaging.dispatch import dispatch_once
from chairops.messaging.notify import TextSettings
from chairops.messaging.outbox import enqueue
from chairops.models import Message, utcnow
from chairops.seating.availability import time_options
from chairops.seating.seats import NAME_LIMIT
from tests.factories import phone

pytestmark = pytest.mark.usefixtures("backend")
CFG = TextSettings("https://massage.acme-corporation.example.com", "chairops")
INPUTS = {
    "gsm": ("A" * NAME_LIMIT, "R" * TEXT_LIMITS["room"], "L" * TEXT_LIMITS["location"]),
    "ucs": (
        "Łukasz" + "ë" * (NAME_LIMIT - 6),
        ("Kate’s room " * 20)[: TEXT_LIMITS["room"]],
        ("ul. Łódzka 5, Kraków " * 20)[: TEXT_LIMITS["location"]],
    ),
}


@pytest.mark.parametrize("inputs", INPUTS)
def test_every_text_a_booking_causes_fits_two_segments_and_says_so(session, make, inputs):
    name, room, location = INPUTS[inputs]
    user = make.user("admin")
    event = make.event(days_ahead=2, room=room, location=location, title="T" * 120)
    now = utcnow()
    first, second = [o.start for o in time_options(session, event, now) if o.available][:2]
    booking, token = claim_slot(
        session, event, Claim(name, phone(1), first.isoformat(), True), now, texts=CFG
    )
    move_booking(session, booking, second.isoformat(), now, token=token, texts=CFG)
    update_details(session, event, {"room": "X" + room[1:]}, user, now, CFG)
    cancel_event(session, event, user, now, CFG)
    session.commit()

    written = list(session.scalars(select(Message).order_by(Message.id)))
    kinds = {m.kind for m in written}
    assert {"confirmation", "reminder", "up_next", "event_changed", "event_cancelled"} <= kinds
    for message in written:
        assert message.segments == rules.segments(message.body) <= 2, message.body
    confirmation = next(m for m in written if m.kind == "confirmation")
    assert confirmation.body.endswith(texts.STOP_LINE) and f"{CFG.base_url}/b/{token}" in (
        confirmation.body
    )


def test_the_count_stays_once_the_sent_body_is_redacted(app, session, make):
    event = make.event()
    booking, token = make.booking(event, 2, name="Zoë Quinn")
    long = "Zoë: " + "a" * 80 + f" {CFG.base_url}/b/{token}"
    message = texts_row(session, long)
    before = message.segments
    assert before == rules.segments(long) == 3
    dispatch_once(app, limit=10, rate_per_second=0)
    session.expire_all()
    sent = session.get(Message, message.id)
    assert sent.status == "sent" and "/b/…" in sent.body and sent.segments == before


def texts_row(session, body: str) -> Message:
    message = enqueue(
        session, to=phone(3), kind="reminder", body=body, key="seg:1",
        send_at=utcnow() - dt.timedelta(minutes=1),
    )  # fmt: skip
    session.commit()
    return message
