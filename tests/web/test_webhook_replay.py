"""Issue 12, points 5 and 9: a replayed signed webhook changes nothing; keywords as people type.

On SQLite and PostgreSQL: the receipts that make replays harmless live in the database.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from chairops.clock import JOBS, purge_webhook_receipts
from chairops.messaging.rules import languages_for, reply_keyword
from chairops.models import Message, OptOut, WebhookReceipt, utcnow
from tests.factories import phone
from tests.web.test_webhooks import (
    NUMBER,
    callback,
    pending_text,
    reply,
    sent_text,
    signed,
    status_of,
)

pytestmark = pytest.mark.usefixtures("backend")


@pytest.fixture
def app_config():
    return {"TWILIO_AUTH_TOKEN": "webhook-test-token", "BRAND_NAME": "Acme Chair Massage"}


def test_a_start_captured_before_a_stop_cannot_undo_the_stop(client, session):
    start_sid = "SM" + "a" * 32
    reply(client, "STOP", sid="SM" + "b" * 32)
    reply(client, "START", sid=start_sid)  # the person opted back in...
    assert session.get(OptOut, NUMBER) is None
    reply(client, "STOP", sid="SM" + "c" * 32)  # ...and out again, later
    replayed = reply(client, "START", sid=start_sid)  # an attacker replays the captured START
    assert replayed.status_code == 200 and "<Message>" not in replayed.get_data(as_text=True)
    session.expire_all()
    assert session.get(OptOut, NUMBER) is not None


def test_a_replayed_stop_does_not_opt_out_again_after_start(client, session):
    stop_sid = "SM" + "d" * 32
    reply(client, "STOP", sid=stop_sid)
    reply(client, "START", sid="SM" + "e" * 32)
    waiting = pending_text(session, "reminder")
    reply(client, "STOP", sid=stop_sid)
    session.expire_all()
    assert session.get(OptOut, NUMBER) is None and status_of(session, waiting) == "pending"


def test_a_replayed_help_is_not_answered_twice(client):
    sid = "SM" + "f" * 32
    assert "<Message>" in reply(client, "HELP", sid=sid).get_data(as_text=True)
    assert "<Message>" not in reply(client, "HELP", sid=sid).get_data(as_text=True)


def test_a_replayed_21610_status_callback_does_not_opt_out_again(client, session):
    sent_text(session)
    callback(client, "failed", ErrorCode="21610")
    reply(client, "START")
    assert session.get(OptOut, NUMBER) is None
    waiting = pending_text(session, "tips", n=5)
    assert callback(client, "failed", ErrorCode="21610").status_code == 200  # the replay
    session.expire_all()
    assert session.get(OptOut, NUMBER) is None and status_of(session, waiting) == "pending"


def test_status_callbacks_are_matched_by_sms_sid_too(client, session):
    message_id = sent_text(session, sid="SM" + "2" * 32)
    form = {"SmsSid": "SM" + "2" * 32, "SmsStatus": "delivered"}
    assert signed(client, "/twilio/status", form).status_code == 200
    assert status_of(session, message_id) == "delivered"
    receipts = session.scalar(select(func.count()).select_from(WebhookReceipt))
    assert receipts == 1


@pytest.mark.parametrize("body", ["Stop.", "stop!!", "STOP please", "Unsubscribe me", "OPT-OUT"])
def test_opt_outs_twilio_does_not_recognise_are_honoured_and_confirmed(client, session, body):
    waiting = pending_text(session, "reminder")
    text = reply(client, body).get_data(as_text=True)
    assert session.get(OptOut, NUMBER) is not None and status_of(session, waiting) == "suppressed"
    assert "no more texts" in text and "Reply START" in text  # Twilio did not confirm it


def test_cancel_my_booking_is_not_an_opt_out(client, session):
    text = reply(client, "cancel my booking please").get_data(as_text=True)
    assert session.get(OptOut, NUMBER) is None and "link in your confirmation text" in text
    assert session.scalar(select(func.count(Message.id))) == 0


def test_spanish_words_count_when_a_company_texts_a_spanish_speaking_country(client, make, session):
    reply(client, "PARAR", sender=phone(61))
    assert session.get(OptOut, phone(61)) is None  # no company yet: English only
    make.company(country="MX")
    reply(client, "Parar", sender=phone(62))
    assert session.get(OptOut, phone(62)) is not None


@pytest.mark.parametrize(
    ("body", "languages", "expected"),
    [
        ("STOP", ("en",), ("opt_out", True)),
        (" stop ", ("en",), ("opt_out", True)),
        ("CANCEL", ("en",), ("opt_out", True)),
        ("OptOut", ("en",), ("opt_out", True)),
        ("Stop.", ("en",), ("opt_out", False)),
        ("STOP please", ("en",), ("opt_out", False)),
        ("stop texting me", ("en",), ("opt_out", False)),
        ("opt-out", ("en",), ("opt_out", False)),
        ("Quit!", ("en",), ("opt_out", False)),
        ("please stop texting me", ("en",), (None, False)),
        ("cancel my slot", ("en",), (None, False)),
        ("end of the day works", ("en",), (None, False)),
        ("Para", ("en", "es"), ("opt_out", False)),
        ("para mañana", ("en", "es"), (None, False)),
        ("¡Alto!", ("en", "es"), ("opt_out", False)),
        ("ARRÊT", ("en", "fr"), ("opt_out", False)),
        ("désabonner", ("en", "fr"), ("opt_out", False)),
        ("Arrêt", ("en",), (None, False)),
        ("START", ("en",), ("opt_in", True)),
        ("yes!", ("en",), ("opt_in", False)),
        ("yes please call me", ("en",), (None, False)),
        ("help", ("en",), ("help", False)),
        ("aide", ("en", "fr"), ("help", False)),
        ("", ("en",), (None, False)),
        ("🛑", ("en",), (None, False)),
    ],
)
def test_reply_keywords(body, languages, expected):
    assert reply_keyword(body, languages) == expected


def test_languages_come_from_the_companies_countries():
    assert languages_for([]) == {"en"}
    assert languages_for(["US"]) == {"en", "es"}
    assert languages_for(["CA", "GB"]) == {"en", "fr"}
    assert languages_for(["mx", "fr"]) == {"en", "es", "fr"}


def test_receipts_are_forgotten_after_the_retention_days(app, client, session):
    """The clock forgets receipts older than WEBHOOK_RECEIPT_DAYS and keeps the others, so a
    replay within the period still changes nothing."""
    assert purge_webhook_receipts in [job for job, _ in JOBS]
    old_sid, new_sid = "SM" + "7" * 32, "SM" + "8" * 32
    reply(client, "HELP", sid=old_sid)
    reply(client, "HELP", sid=new_sid)
    days = app.config["WEBHOOK_RECEIPT_DAYS"]
    received = {old_sid: days + 1, new_sid: days - 1}
    for receipt in session.scalars(select(WebhookReceipt)):
        receipt.received_at = utcnow() - dt.timedelta(days=received[receipt.sid])
    session.commit()
    assert purge_webhook_receipts(app) == 1
    session.expire_all()
    assert [r.sid for r in session.scalars(select(WebhookReceipt))] == [new_sid]
    assert "<Message>" not in reply(client, "HELP", sid=new_sid).get_data(as_text=True)
