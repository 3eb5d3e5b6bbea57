"""Twilio's webhooks through the test client: signatures, keywords, and status callbacks."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from twilio.request_validator import RequestValidator

from chairops.messaging.outbox import enqueue
from chairops.models import Message, OptOut, utcnow
from tests.factories import phone

TOKEN = "webhook-test-token"
PUBLIC = "https://chairops.example"  # what Twilio calls; the test client speaks http://localhost
NUMBER = phone(77)


@pytest.fixture
def app_config():
    return {"TWILIO_AUTH_TOKEN": TOKEN, "BRAND_NAME": "Acme Chair Massage"}


def signed(client, path, form, *, url=None, token=TOKEN):
    signature = RequestValidator(token).compute_signature(url or PUBLIC + path, form)
    return client.post(path, data=form, headers={"X-Twilio-Signature": signature})


def reply(client, body, sender=NUMBER, sid=None):
    # Every real reply has its own MessageSid; the same one twice is a replay (issue 12).
    sid = sid or "SM" + uuid.uuid4().hex
    form = {"From": sender, "To": "+15005550006", "Body": body, "MessageSid": sid}
    return signed(client, "/twilio/inbound", form)


def pending_text(session, kind="reminder", to=NUMBER, n=0) -> int:
    at = utcnow() + dt.timedelta(hours=1)
    message = enqueue(session, to=to, kind=kind, body="Hi", key=f"t:{kind}:{n}", send_at=at)
    session.commit()
    return message.id


def status_of(session, message_id) -> str:
    session.expire_all()
    return session.get(Message, message_id).status


@pytest.mark.parametrize("path", ["/twilio/inbound", "/twilio/status"])
def test_missing_or_forged_signature_is_403(client, path):
    form = {"From": NUMBER, "Body": "STOP", "MessageSid": "SMx", "MessageStatus": "delivered"}
    assert client.post(path, data=form).status_code == 403
    forged = {"X-Twilio-Signature": "bm90IGEgcmVhbCBzaWduYXR1cmU="}
    assert client.post(path, data=form, headers=forged).status_code == 403
    assert signed(client, path, form, token="someone-elses-token").status_code == 403


def test_a_tampered_body_is_403_and_changes_nothing(client, session):
    form = {"From": NUMBER, "Body": "HELP"}
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC + "/twilio/inbound", form)
    tampered = {**form, "Body": "STOP"}
    response = client.post(
        "/twilio/inbound", data=tampered, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 403
    assert session.get(OptOut, NUMBER) is None


def test_a_signature_for_the_internal_url_is_403(client):
    form = {"From": NUMBER, "Body": "HELP"}
    # request.url inside the proxy: what a naive check would have compared against.
    inside = signed(client, "/twilio/inbound", form, url="http://localhost/twilio/inbound")
    assert inside.status_code == 403
    other_path = signed(client, "/twilio/inbound", form, url=PUBLIC + "/twilio/status")
    assert other_path.status_code == 403


def test_without_a_configured_token_everything_is_403(app, client):
    app.config["TWILIO_AUTH_TOKEN"] = ""
    # With no token, a signature made with an empty key must not pass either.
    response = signed(client, "/twilio/inbound", {"From": NUMBER, "Body": "HELP"}, token="")
    assert response.status_code == 403


def test_a_valid_signature_behind_a_proxy_is_accepted(client):
    response = reply(client, "HELP")
    assert response.status_code == 200 and response.mimetype == "text/xml"
    with_query = signed(client, "/twilio/inbound?channel=sms", {"From": NUMBER, "Body": "HELP"})
    assert with_query.status_code == 200


@pytest.mark.parametrize("body", ["STOP", "stop ", "Stop", "CANCEL", " unsubscribe\n", "StopAll"])
def test_opt_out_keywords_opt_out_and_suppress_pending_texts(client, session, body):
    reminder, tips = pending_text(session, "reminder"), pending_text(session, "tips")
    other = pending_text(session, "reminder", to=phone(78), n=1)
    response = reply(client, body)
    assert response.status_code == 200
    assert "<Response />" in response.get_data(as_text=True)  # Twilio confirms; we stay quiet
    assert session.get(OptOut, NUMBER).source == "stop_reply"
    assert [status_of(session, i) for i in (reminder, tips, other)] == [
        "suppressed",
        "suppressed",
        "pending",
    ]


def test_stop_twice_is_fine(client, session):
    assert reply(client, "STOP").status_code == 200
    assert reply(client, "QUIT").status_code == 200
    assert session.query(OptOut).count() == 1


@pytest.mark.parametrize("body", ["START", "unstop", "Yes"])
def test_start_opts_back_in(client, session, body):
    reply(client, "STOP")
    response = reply(client, body)
    assert "<Response />" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(OptOut, NUMBER) is None


def test_help_says_who_we_are_and_how_to_stop(client):
    text = reply(client, " help ").get_data(as_text=True)
    assert "<Response><Message>" in text
    assert "Acme Chair Massage" in text and "Reply STOP to opt out" in text


def test_a_sentence_with_stop_in_it_is_not_a_keyword(client, session):
    text = reply(client, "please stop texting me").get_data(as_text=True)
    assert session.get(OptOut, NUMBER) is None
    assert "<Message>" in text and "link in your confirmation text" in text


def test_an_opted_out_number_gets_no_reply_to_other_texts(client):
    reply(client, "STOP")
    assert "<Response />" in reply(client, "hello?").get_data(as_text=True)


@pytest.mark.parametrize("sender", [phone(4321), "", "whatsapp:+120255501234567890"])
def test_an_unknown_or_odd_sender_is_handled(client, session, sender):
    assert reply(client, "What is this?", sender=sender).status_code == 200
    assert reply(client, "STOP", sender=sender).status_code == 200
    assert session.query(OptOut).count() == (1 if sender.startswith("+") else 0)


def sent_text(session, sid="SM" + "1" * 32) -> int:
    message_id = pending_text(session)
    message = session.get(Message, message_id)
    message.status, message.provider_sid = "sent", sid
    session.commit()
    return message_id


def callback(client, status, sid="SM" + "1" * 32, **extra):
    form = {"MessageSid": sid, "MessageStatus": status, "To": NUMBER, **extra}
    return signed(client, "/twilio/status", form)


@pytest.mark.parametrize(
    ("sequence", "final"),
    [
        (["queued", "sent", "delivered"], "delivered"),
        (["delivered", "sent"], "delivered"),
        (["delivered", "delivered", "sent", "sending"], "delivered"),
        (["sent", "failed", "sent"], "failed"),
        (["failed", "delivered"], "failed"),
        (["undelivered", "sent", "delivered"], "undelivered"),
        (["delivered", "failed"], "delivered"),
        (["sent", "sent"], "sent"),
    ],
)
def test_status_callbacks_only_move_forward(client, session, sequence, final):
    message_id = sent_text(session)
    for status in sequence:
        assert callback(client, status).status_code == 200
    assert status_of(session, message_id) == final


def test_a_failure_records_its_error_code(client, session):
    message_id = sent_text(session)
    callback(client, "undelivered", ErrorCode="30006")
    session.expire_all()
    message = session.get(Message, message_id)
    assert (message.status, message.error_code) == ("undelivered", "30006")


def test_error_21610_in_a_callback_opts_the_number_out(client, session):
    sent_text(session)
    waiting = pending_text(session, "tips", n=2)
    callback(client, "failed", ErrorCode="21610")
    assert session.get(OptOut, NUMBER).source == "twilio_21610"
    assert status_of(session, waiting) == "suppressed"


def test_an_unknown_sid_is_200_and_changes_nothing(client, session):
    message_id = sent_text(session)
    assert callback(client, "delivered", sid="SM" + "f" * 32).status_code == 200
    assert status_of(session, message_id) == "sent"
