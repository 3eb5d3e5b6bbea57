"""Issue 12, points 1 and 8: no text pumping; a console sender and a rate that hold service-wide.

On SQLite and PostgreSQL, through the real API and the real dispatcher.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from sqlalchemy import func, select

from chairops.extensions import db
from chairops.messaging.dispatch import claim_due, dispatch_once, reconcile_unknown, send_many
from chairops.messaging.outbox import enqueue
from chairops.messaging.pace import SharedPace
from chairops.messaging.rules import SendLimits
from chairops.messaging.senders import ConsoleSender
from chairops.models import ConsoleText, Message, utcnow
from tests.factories import phone

pytestmark = pytest.mark.usefixtures("backend")

NUMBER = phone(900)
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def app_config():
    # Rate limits on, per address: the attacker below uses a new address for every request.
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"}


def from_address(client, n: int, method: str, url: str, **kwargs):
    address = f"10.{n // 200}.{n % 200}.7"
    return client.open(url, method=method, environ_overrides={"REMOTE_ADDR": address}, **kwargs)


def dispatch(app) -> dict:
    return dispatch_once(app, limit=100, rate_per_second=0)


def texts_to(session, number: str) -> list[Message]:
    session.expire_all()
    return list(session.scalars(select(Message).where(Message.to == number).order_by(Message.id)))


@pytest.fixture
def full(make):
    """A one-chair event whose two slots are booked, so its waitlist is open."""
    event = make.event(chairs=1, start_time="10:00", end_time="10:35")
    for n in (1, 2):
        make.booking(event, n)
    return event


def test_one_number_gets_at_most_the_hourly_limit_whatever_addresses_and_endpoints(
    app, client, make, session, full
):
    """The probe's loop: book, cancel, join a waitlist, leave; a new address every request."""
    open_event = make.event(chairs=2, end_time="18:00")
    base = f"/api/v1/public/events/{open_event.share_token}"
    n = 0
    for _ in range(8):
        start = client.get(base).json["times"][0]["start"]
        body = {"name": "Pat", "phone": NUMBER, "sms_consent": True, "start": start}
        booked = from_address(client, n, "POST", f"{base}/bookings", json=body)
        assert booked.status_code == 201
        dispatch(app)
        token = booked.json["booking"]["token"]
        assert from_address(client, n + 1, "DELETE", f"/api/v1/bookings/{token}").status_code == 200
        join = {"name": "Pat", "phone": NUMBER, "sms_consent": True}
        url = f"/api/v1/public/events/{full.share_token}/waitlist"
        joined = from_address(client, n + 2, "POST", url, json=join)
        assert joined.status_code == 201
        dispatch(app)
        place = joined.json["waitlist"]["token"]
        assert from_address(client, n + 3, "DELETE", f"/api/v1/waitlist/{place}").status_code == 200
        n += 4
    texts = texts_to(session, NUMBER)
    went = [m for m in texts if m.status == "sent"]
    held = [m for m in texts if m.status == "suppressed"]
    assert len(went) == 10 and len(held) == 6
    assert all(
        m.error_text == "Held back: this number got 10 texts in the last hour." for m in held
    )
    received = session.scalar(select(func.count()).where(ConsoleText.to == NUMBER))
    assert received == 10


def test_leaving_the_waitlist_at_once_withdraws_the_joined_text(app, client, full, session):
    url = f"/api/v1/public/events/{full.share_token}/waitlist"
    for _ in range(5):
        joined = client.post(url, json={"name": "Lee", "phone": NUMBER, "sms_consent": True})
        client.delete(f"/api/v1/waitlist/{joined.json['waitlist']['token']}")
    assert dispatch(app) == {"claimed": 0}
    assert {m.status for m in texts_to(session, NUMBER)} == {"cancelled"}


def text(session, n: int, to: str = NUMBER, event_id: int | None = None, at=None) -> int:
    message = enqueue(
        session, to=to, kind="reminder", body=f"Text {n}", key=f"limit:{n}",
        send_at=(at or utcnow()) - dt.timedelta(minutes=1), event_id=event_id,
    )  # fmt: skip
    session.commit()
    return message.id


def settle(session, ids: list[int]) -> None:
    """Mark claimed texts sent, as the dispatcher would after sending them."""
    for message_id in ids:
        session.get(Message, message_id).status = "sent"
    session.commit()


def test_a_number_gets_at_most_the_daily_limit_across_hours(app, session):
    start, limits = utcnow(), SendLimits(number_hourly=10, number_daily=20)
    sent = []
    for hour in range(3):
        at = start + hour * 2 * HOUR
        for n in range(10):
            text(session, hour * 10 + n, at=at)
        ids = claim_due(session, at, 100, limits=limits)
        settle(session, ids)
        sent.append(len(ids))
    assert sent == [10, 10, 0]
    held = session.scalars(select(Message.error_text).where(Message.status == "suppressed")).all()
    assert held == ["Held back: this number got 20 texts in the last day."] * 10


def test_an_event_sends_a_bounded_number_of_texts_an_hour(app, make, session):
    event = make.event(chairs=2)  # 12 slots: up to 36 texts an hour (3 a slot)
    for n in range(40):
        text(session, n, to=phone(1000 + n), event_id=event.id)
    ids = claim_due(session, utcnow(), 100, limits=SendLimits(event_hourly_per_slot=3))
    assert len(ids) == 36
    held = session.scalars(select(Message.error_text).where(Message.status == "suppressed")).all()
    assert held == ["Held back: the event sent 36 texts in the last hour."] * 4


def test_the_hourly_budget_holds_texts_back_and_raises_an_alert(app, session, caplog):
    for n in range(8):
        text(session, n, to=phone(2000 + n))
    limits = SendLimits(hourly_budget=5)
    first = claim_due(session, utcnow(), 100, limits=limits)
    settle(session, first)
    with caplog.at_level(logging.ERROR, logger="chairops.messaging.limits"):
        assert claim_due(session, utcnow(), 100, limits=limits) == []
    assert len(first) == 5
    assert "ALERT: the hourly text budget is used up" in caplog.text
    assert session.scalar(select(func.count()).where(Message.status == "pending")) == 3
    assert claim_due(session, utcnow() + 2 * HOUR, 100, limits=limits) != []  # waits, not lost


def test_numbers_outside_the_companys_countries_are_refused_when_given(client, make):
    event = make.event()
    start = client.get(f"/api/v1/public/events/{event.share_token}").json["times"][0]["start"]
    url = f"/api/v1/public/events/{event.share_token}/bookings"
    for number in ("+44 7400 123456", "+881 6 1234 5678"):  # the UK; a satellite network
        body = {"name": "Pat", "phone": number, "sms_consent": True, "start": start}
        response = client.post(url, json=body)
        assert response.status_code == 422
        assert response.json["errors"]["phone"].startswith("We can only text numbers in")


def test_a_company_may_add_countries(client, make, session):
    company = make.company()
    company.sms_countries = "GB CA"
    session.commit()
    event = make.event(company=company)
    start = client.get(f"/api/v1/public/events/{event.share_token}").json["times"][0]["start"]
    body = {"name": "Pat", "phone": "+44 7400 123456", "sms_consent": True, "start": start}
    url = f"/api/v1/public/events/{event.share_token}/bookings"
    assert client.post(url, json=body).status_code == 201


def test_the_country_is_checked_again_when_sending(app, make, session):
    event = make.event()
    abroad = text(session, 1, to="+447400123456", event_id=event.id)
    home = text(session, 2, to=phone(5), event_id=event.id)
    assert dispatch(app) == {"claimed": 1, "sent": 1, "held_back": 1}
    session.expire_all()
    message = session.get(Message, abroad)
    assert message.status == "suppressed" and "outside the countries" in message.error_text
    assert session.get(Message, home).status == "sent"


def test_a_claim_takes_no_more_than_its_limit(app, session):
    """PostgreSQL rescanned the claim's subquery and took every due text (500 for 25)."""
    for n in range(60):
        text(session, n, to=phone(3000 + n))
    assert len(claim_due(session, utcnow(), 25)) == 25
    assert len(claim_due(session, utcnow(), 25, limits=SendLimits())) == 25


class FakeClock:
    """Wall-clock time that only moves when someone sleeps."""

    def __init__(self):
        self.now = utcnow()

    def __call__(self):
        return self.now

    def sleep(self, seconds: float):
        self.now += dt.timedelta(seconds=seconds)


def test_two_clocks_together_stay_under_the_rate(app):
    clock = FakeClock()
    paces = [SharedPace(db.engine, 10, clock=clock, sleep=clock.sleep) for _ in range(2)]
    moments = []
    for turn in range(40):  # the two dispatchers take turns, as two clock processes would
        paces[turn % 2]()
        moments.append(clock())
    ordered = sorted(moments)
    gaps = [(b - a).total_seconds() for a, b in zip(ordered, ordered[1:], strict=False)]
    assert min(gaps) >= 0.1 - 1e-6  # never two texts closer than 1/rate, whoever sends them
    assert (max(moments) - min(moments)).total_seconds() >= 39 * 0.1 - 1e-6


def test_the_console_sender_gives_unique_ids_and_keeps_a_durable_log(app, session):
    first, second = ConsoleSender(lambda: db.engine), ConsoleSender(lambda: db.engine)
    sids = {first.send(phone(n), f"Hello {n}").sid for n in range(50)}
    sids |= {second.send(phone(n), f"Hello {n}").sid for n in range(50)}
    assert len(sids) == 100
    since = utcnow() - dt.timedelta(minutes=5)
    restarted = ConsoleSender(lambda: db.engine)  # another process, or after a restart
    assert restarted.find(phone(3), "Hello 3", since) in sids
    assert restarted.find(phone(3), "Goodbye", since) is None


def test_a_text_sent_just_before_a_crash_is_found_not_sent_again(app, session):
    message_id = text(session, 1)
    sender = ConsoleSender(lambda: db.engine)
    ids = claim_due(session, utcnow(), 10)
    sender.send(NUMBER, session.get(Message, message_id).body)  # sent; then the process dies
    later = utcnow() + dt.timedelta(minutes=5)  # the lease has run out
    counts = reconcile_unknown(session, ConsoleSender(lambda: db.engine), later)
    assert ids == [message_id] and counts == {"sent": 1}
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(ConsoleText)) == 1
    assert session.get(Message, message_id).provider_sid.startswith("CONSOLE")
    assert send_many(session, sender, [message_id]) == []  # nothing left to send


def test_flask_texting_countries_lets_a_company_text_abroad(app, make, session):
    company = make.company(name="Globex")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["texting-countries", "Globex", "gb", "CA"])
    assert result.exit_code == 0 and "CA, GB, US" in result.output
    session.expire_all()
    assert company.sms_countries == "GB CA"
    assert runner.invoke(args=["texting-countries", "Globex", "UK1"]).exit_code != 0
    assert runner.invoke(args=["texting-countries", "Globex"]).exit_code == 0
    session.expire_all()
    assert company.sms_countries is None
