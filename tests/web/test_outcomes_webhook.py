"""Signed replies to the two-day question, through Twilio's inbound webhook (SQLite, PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from chairops.messaging.dispatch import dispatch_once
from chairops.messaging.texts import followup_thanks, other_reply_text
from chairops.models import Message, OptOut, Screen
from chairops.outcomes.service import ask_followups
from chairops.web import text_settings
from tests.outcome_data import GLUTE, came, event_on, local, local_today
from tests.web.test_webhooks import TOKEN, signed

pytestmark = pytest.mark.usefixtures("backend")
BRAND = "Acme Chair Massage"


@pytest.fixture
def app_config():
    return {"TWILIO_AUTH_TOKEN": TOKEN, "BRAND_NAME": BRAND}


@pytest.fixture
def asked(app, make, session):
    """Someone who had the glute exception five days ago and was texted the question."""
    event = event_on(make, local_today() - dt.timedelta(days=5))
    booking = came(make, session, event, 1, GLUTE)
    assert ask_followups(session, local(event, "11:30", days=2), 48, text_settings()) == 1
    session.commit()
    dispatch_once(app, limit=10, rate_per_second=0)
    assert session.scalar(select(Message.status).where(Message.kind == "followup")) == "sent"
    return booking


def reply(client, body, sender, sid):
    form = {"From": sender, "To": "+15005550006", "Body": body, "MessageSid": sid}
    return signed(client, "/twilio/inbound", form)


def follow_up(session):
    session.expire_all()
    return session.scalar(select(Screen.pain_followup))


def test_a_signed_3_records_the_follow_up_and_thanks_in_one_line(client, session, asked):
    response = reply(client, "3", asked.phone, "SM" + "1" * 32)
    assert response.status_code == 200
    assert followup_thanks(BRAND) in response.get_data(as_text=True)
    assert "\n" not in followup_thanks(BRAND)
    assert follow_up(session) == 3


def test_a_replayed_message_sid_records_nothing_new(client, session, asked):
    sid = "SM" + "2" * 32
    reply(client, "3", asked.phone, sid)
    first_at = session.scalar(select(Screen.pain_followup_at))
    again = reply(client, "3", asked.phone, sid)
    assert again.status_code == 200
    assert follow_up(session) == 3
    assert session.scalar(select(Screen.pain_followup_at)) == first_at
    # A second, different answer does not overwrite the first either.
    reply(client, "7", asked.phone, "SM" + "3" * 32)
    assert follow_up(session) == 3


@pytest.mark.parametrize("body", ["11", "3.5", "three"])
def test_anything_but_a_bare_0_to_10_records_nothing_and_gets_the_usual_reply(
    client, session, asked, body
):
    response = reply(client, body, asked.phone, "SM" + "4" * 32)
    assert response.status_code == 200
    assert other_reply_text(BRAND) in response.get_data(as_text=True)
    assert follow_up(session) is None


def test_stop_still_opts_out_and_records_nothing(client, session, asked):
    response = reply(client, "STOP", asked.phone, "SM" + "5" * 32)
    assert response.status_code == 200
    assert session.get(OptOut, asked.phone) is not None
    assert follow_up(session) is None
    # Once opted out, a number is not answered at all, and still records nothing.
    reply(client, "3", asked.phone, "SM" + "6" * 32)
    assert follow_up(session) is None


def test_an_unsigned_3_is_403_and_records_nothing(client, session, asked):
    form = {"From": asked.phone, "Body": "3", "MessageSid": "SM" + "7" * 32}
    assert client.post("/twilio/inbound", data=form).status_code == 403
    assert follow_up(session) is None
