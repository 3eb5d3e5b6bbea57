"""The dispatcher against the database (SQLite and PostgreSQL) and the real twilio library."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import insert, select

from chairops.extensions import db
from chairops.messaging.dispatch import (
    MAX_ATTEMPTS,
    claim_due,
    dispatch_once,
    reconcile_unknown,
    record_opt_out,
    send_claimed,
)
from chairops.messaging.outbox import enqueue
from chairops.models import Message, OptOut, utcnow
from tests.factories import phone
from tests.unit.test_senders import TIMEOUT_AFTER_ACCEPT, error, twilio_sender

pytestmark = pytest.mark.usefixtures("backend")

LINK = "https://chairops.example/b/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def fake(app):
    """The app's sender becomes Twilio with a scripted HTTP client; returns that client."""
    sender, client = twilio_sender()
    app.extensions["sms_sender"] = sender
    return client


def text(session, n=0, *, to=None, kind="reminder", body=None, send_at=None, valid_until=None):
    message = enqueue(
        session, to=to or phone(n), kind=kind, body=body or f"Text number {n}",
        key=f"test:{n}:{kind}", send_at=send_at or utcnow() - MINUTE, valid_until=valid_until,
    )  # fmt: skip
    session.commit()
    return message.id


def reload(session, message_id) -> Message:
    session.expire_all()
    return session.get(Message, message_id)


def dispatch(app) -> dict:
    return dispatch_once(app, limit=100, rate_per_second=0)


def test_a_due_text_is_sent_once_and_its_link_redacted_afterwards(app, session, fake):
    message_id = text(session, body=f"Booked! Change or cancel: {LINK}")
    counts = dispatch(app)
    assert counts == {"claimed": 1, "sent": 1}
    (request,) = fake.posts()
    assert request.data["Body"] == f"Booked! Change or cancel: {LINK}"
    message = reload(session, message_id)
    assert message.status == "sent" and message.provider_sid.startswith("SM")
    assert message.attempts == 1 and message.sent_at is not None and message.lease_until is None
    assert "AbCdEfGh" not in message.body and message.body.endswith("/b/…")
    assert dispatch(app) == {"claimed": 0}
    assert len(fake.posts()) == 1


def test_texts_not_yet_due_or_backing_off_wait(app, session, fake):
    later = text(session, 1, send_at=utcnow() + dt.timedelta(hours=1))
    backing_off = text(session, 2)
    reload(session, backing_off).next_attempt_at = utcnow() + MINUTE
    session.commit()
    assert dispatch(app) == {"claimed": 0}
    assert {reload(session, i).status for i in (later, backing_off)} == {"pending"}


def test_a_claim_is_committed_with_a_lease_before_anything_is_sent(app, session):
    message_id = text(session)
    now = utcnow()
    assert claim_due(session, now, 10) == [message_id]
    assert claim_due(session, now, 10) == []
    with db.engine.connect() as other:  # committed: another connection sees the claim
        row = other.execute(select(Message).where(Message.id == message_id)).one()
    assert (row.status, row.attempts) == ("sending", 1)
    assert row.claimed_at == now and row.lease_until == now + dt.timedelta(seconds=60)


def test_a_text_past_its_valid_until_is_dropped(app, session, fake):
    message_id = text(session, kind="up_next", valid_until=utcnow() - dt.timedelta(seconds=1))
    assert dispatch(app)["dropped"] == 1
    assert reload(session, message_id).status == "dropped" and fake.posts() == []


def test_a_short_lived_text_carries_its_validity_to_twilio(app, session):
    sender, client = twilio_sender(TWILIO_FROM="", TWILIO_MESSAGING_SERVICE_SID="MG" + "2" * 32)
    app.extensions["sms_sender"] = sender
    text(session, kind="up_next", valid_until=utcnow() + dt.timedelta(minutes=10))
    dispatch(app)
    assert 590 <= client.posts()[0].data["ValidityPeriod"] <= 600


def test_after_an_opt_out_no_pending_reminder_or_tip_is_sent(app, session, fake):
    reminder = text(session, 7, kind="reminder")
    tips = text(session, 7, kind="tips", send_at=utcnow() + dt.timedelta(hours=1))
    assert record_opt_out(session, phone(7), "stop_reply", utcnow()) == 2
    session.commit()
    late_tip = text(session, 7, kind="confirmation")  # written after the STOP
    assert dispatch(app) == {"claimed": 1, "suppressed": 1}
    statuses = {reload(session, i).status for i in (reminder, tips, late_tip)}
    assert statuses == {"suppressed"} and fake.posts() == []


def test_21610_from_twilio_opts_the_number_out_and_suppresses_its_other_texts(app, session, fake):
    fake.script = [error(400, 21610, "Attempt to send to unsubscribed recipient")]
    first = text(session, 3, kind="confirmation")
    second = text(session, 3, kind="reminder", send_at=utcnow() + dt.timedelta(hours=2))
    assert dispatch(app) == {"claimed": 1, "suppressed": 1}
    assert reload(session, first).error_code == "21610"
    assert reload(session, second).status == "suppressed"
    assert session.get(OptOut, phone(3)).source == "twilio_21610"
    assert len(fake.posts()) == 1


@pytest.mark.parametrize("code", [21211, 21408, 21614])
def test_permanent_errors_fail_without_retry(app, session, fake, code):
    fake.script = [error(400, code, f"The 'To' number {phone(4)} cannot receive this text")]
    message_id = text(session, 4)
    assert dispatch(app)["failed"] == 1
    message = reload(session, message_id)
    assert (message.status, message.error_code) == ("failed", str(code))
    assert phone(4) not in message.error_text and phone(4)[-4:] in message.error_text
    later = utcnow() + dt.timedelta(hours=1)
    assert claim_due(session, later, 10) == []
    assert reconcile_unknown(session, app.extensions["sms_sender"], later) == {}
    assert len(fake.posts()) == 1


def test_429_backs_off_with_jitter_then_sends(app, session, fake):
    fake.script = [error(429, 20429, "Too Many Requests")]
    message_id = text(session)
    before = utcnow()
    assert dispatch(app)["pending"] == 1
    message = reload(session, message_id)
    assert (message.status, message.attempts, message.error_code) == ("pending", 1, "20429")
    assert before + dt.timedelta(seconds=15) <= message.next_attempt_at
    assert message.next_attempt_at <= utcnow() + dt.timedelta(seconds=30)
    assert dispatch(app) == {"claimed": 0}
    retry_at = message.next_attempt_at + dt.timedelta(seconds=1)
    assert claim_due(session, retry_at, 10) == [message_id]
    assert send_claimed(session, app.extensions["sms_sender"], message_id, retry_at) == "sent"
    message = reload(session, message_id)
    assert (message.attempts, message.error_code, len(fake.posts())) == (2, None, 2)


def test_429_gives_up_after_the_last_attempt(app, session, fake):
    fake.script = [error(429, 20429)] * MAX_ATTEMPTS
    message_id = text(session)
    now = utcnow()
    for _ in range(MAX_ATTEMPTS):
        now += dt.timedelta(hours=1)
        (claimed,) = claim_due(session, now, 10)
        send_claimed(session, app.extensions["sms_sender"], claimed, now)
    message = reload(session, message_id)
    assert (message.status, message.attempts) == ("failed", MAX_ATTEMPTS)
    assert len(fake.posts()) == MAX_ATTEMPTS


def test_a_timeout_is_unknown_and_reconciled_not_resent(app, session, fake):
    fake.script = [TIMEOUT_AFTER_ACCEPT]
    message_id = text(session, body="Your chair massage is today at 2:15 PM")
    assert dispatch(app)["unknown"] == 1
    assert reload(session, message_id).status == "unknown"
    assert dispatch(app) == {"claimed": 0}
    sender = app.extensions["sms_sender"]
    assert reconcile_unknown(session, sender, utcnow()) == {}  # the lease still runs
    assert reconcile_unknown(session, sender, utcnow() + 2 * MINUTE) == {"sent": 1}
    message = reload(session, message_id)
    (accepted,) = [m for _, m in fake.accepted]
    assert (message.status, message.provider_sid) == ("sent", accepted["sid"])
    assert len(fake.posts()) == 1


def test_a_crash_after_twilio_took_the_text_is_reconciled_without_a_second_send(app, session, fake):
    message_id = text(session, 5, send_at=utcnow() - 10 * MINUTE)
    claim_due(session, utcnow() - 5 * MINUTE, 10)
    sid = app.extensions["sms_sender"].send(phone(5), "Text number 5").sid  # then the crash
    assert reconcile_unknown(session, app.extensions["sms_sender"], utcnow()) == {"sent": 1}
    assert dispatch(app) == {"claimed": 0}
    message = reload(session, message_id)
    assert (message.status, message.provider_sid) == ("sent", sid)
    assert len(fake.posts()) == 1


def test_a_crash_before_sending_is_reconciled_and_sent_exactly_once(app, session, fake):
    message_id = text(session, 6, send_at=utcnow() - 10 * MINUTE)
    claim_due(session, utcnow() - 5 * MINUTE, 10)  # the dispatcher dies here
    assert reconcile_unknown(session, app.extensions["sms_sender"], utcnow()) == {"pending": 1}
    assert dispatch(app)["sent"] == 1
    assert dispatch(app) == {"claimed": 0}
    assert reload(session, message_id).attempts == 2
    assert len(fake.posts("Text number 6")) == 1


def test_an_unexpected_sender_error_leaves_the_text_unknown_for_reconciliation(app, session):
    class Broken:
        def send(self, *args, **kwargs):
            raise RuntimeError("bug")

    app.extensions["sms_sender"] = Broken()
    first, second = text(session, 1), text(session, 2)
    assert dispatch(app) == {"claimed": 2, "unknown": 2}
    assert {reload(session, i).status for i in (first, second)} == {"unknown"}
    assert reload(session, first).error_text == "RuntimeError"


@pytest.mark.parametrize("backend", ["postgresql"])
def test_two_dispatchers_send_each_of_500_texts_exactly_once(app, session, fake, backend):
    now = utcnow() - MINUTE
    rows = [
        {"to": phone(n), "kind": "reminder", "body": f"Race text {n}", "send_at": now,
         "status": "pending", "attempts": 0, "idempotency_key": f"race:{n}"}
        for n in range(500)
    ]  # fmt: skip
    session.execute(insert(Message), rows)
    session.commit()
    barrier = threading.Barrier(2, timeout=30)

    def dispatcher(_):
        barrier.wait()
        totals = Counter()
        while (counts := dispatch_once(app, limit=25, rate_per_second=0))["claimed"]:
            totals.update(counts)
        return totals

    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(dispatcher, range(2))
    assert first["sent"] + second["sent"] == 500 and first["sent"] and second["sent"]
    per_body = Counter(r.data["Body"] for r in fake.posts())
    assert len(per_body) == 500 and set(per_body.values()) == {1}
    sids = session.scalars(select(Message.provider_sid).where(Message.status == "sent")).all()
    assert len(set(sids)) == 500
