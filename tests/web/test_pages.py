"""Staff and phone pages through the test client: sign-in, scoping, validation, CSRF, headers."""

import re

import pytest

from chairops.models import Booking, Event
from tests.factories import PASSWORD


def sign_in(client, user):
    return client.post("/login", data={"email": user.email, "password": PASSWORD})


def test_login_wrong_password_and_right_password(client, make):
    user = make.user("coordinator")
    bad = client.post("/login", data={"email": user.email, "password": "nope"})
    assert b"do not match" in bad.data
    assert sign_in(client, user).headers["Location"] == "/staff"


def test_staff_pages_need_sign_in(client):
    response = client.get("/staff")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_coordinator_creates_event_through_the_form_and_publishes(client, make, session):
    user = make.user("coordinator")
    sign_in(client, user)
    form = {
        "title": "Winter wellness", "location": "5 Elm St", "room": "Room 4", "date": "2031-01-15",
        "start_time": "10:00", "end_time": "11:00", "timezone": "America/Chicago",
        "chairs": "2", "slot_minutes": "15", "buffer_minutes": "5",
    }  # fmt: skip
    created = client.post("/staff/events/new", data=form)
    assert created.status_code == 302
    event = session.query(Event).one()
    assert (event.company_id, event.timezone, event.status) == (
        user.company_id,
        "America/Chicago",
        "draft",
    )
    page = client.get(created.headers["Location"])
    assert b"6 slots" in page.data
    client.post(f"/staff/events/{event.id}/publish")
    page = client.get(f"/staff/events/{event.id}")
    assert f"/e/{event.share_token}".encode() in page.data


def test_event_form_names_every_bad_field_and_keeps_input(client, make, session):
    sign_in(client, make.user("coordinator"))
    form = {
        "title": "Kept title", "location": "", "date": "2031-01-15", "start_time": "11:00",
        "end_time": "10:00", "timezone": "America/New_York", "chairs": "0", "slot_minutes": "15",
        "buffer_minutes": "5",
    }  # fmt: skip
    response = client.post("/staff/events/new", data=form)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "This is required." in text
    assert "The end must be after the start." in text
    assert "Give a whole number from 1 to 30." in text
    assert 'value="Kept title"' in text
    assert session.query(Event).count() == 0


def test_coordinator_never_reaches_another_companys_event(client, make):
    other = make.event()
    sign_in(client, make.user("coordinator"))
    assert client.get(f"/staff/events/{other.id}").status_code == 404
    assert client.post(f"/staff/events/{other.id}/publish").status_code == 404
    assert b"Chair massage day" not in client.get("/staff").data


def test_phone_claim_with_bad_fields_shows_messages_and_keeps_name(client, make, session):
    event = make.event()
    response = client.post(
        f"/e/{event.share_token}", data={"name": "Kim", "phone": "12", "sms_consent": "yes"}
    )
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "That number is not valid" in text and "Choose one of the listed times." in text
    assert 'value="Kim"' in text
    assert session.query(Booking).count() == 0


def test_unknown_links_are_friendly_404_pages(client):
    for path in ("/e/no-such-event", "/b/" + "x" * 43, "/b/short/calendar.ics"):
        response = client.get(path)
        assert response.status_code == 404
        assert b"<html" in response.data


def test_ics_is_in_the_events_zone(client, make):
    event = make.event()
    _, token = make.booking(event)
    ics = client.get(f"/b/{token}/calendar.ics")
    assert ics.mimetype == "text/calendar"
    body = ics.get_data(as_text=True)
    assert "DTSTART;TZID=America/New_York:" in body and "T100000" in body
    assert "BEGIN:VTIMEZONE" in body and "1 Main Street" in body


def test_security_headers(client, make):
    event = make.event()
    response = client.get(f"/e/{event.share_token}")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert not re.search(rb"<script(?![^>]*src=)", response.data)


def test_healthz(client):
    assert client.get("/healthz").json == {"status": "ok", "database": "ok"}


@pytest.fixture
def app_config():
    return {}


class TestWithCsrf:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_forms_without_a_token_are_refused(self, client, make, session):
        event = make.event()
        response = client.post(f"/e/{event.share_token}", data={"name": "Kim"})
        assert response.status_code == 400
        assert session.query(Booking).count() == 0
        assert client.post("/login", data={"email": "a@b.c", "password": "x"}).status_code == 400


def test_moving_keeps_the_calendar_uid_and_raises_its_sequence(client, make, session):
    event = make.event(chairs=1)
    _, token = make.booking(event)
    before = client.get(f"/b/{token}/calendar.ics").get_data(as_text=True)
    later = client.get(f"/api/v1/public/events/{event.share_token}").json["times"][3]["start"]
    client.post(f"/b/{token}/move", data={"start": later})
    after = client.get(f"/b/{token}/calendar.ics").get_data(as_text=True)

    def field(text, name):
        return next(line for line in text.splitlines() if line.startswith(name + ":")).split(
            ":", 1
        )[1]

    assert field(before, "UID") == field(after, "UID")
    assert int(field(after, "SEQUENCE")) > int(field(before, "SEQUENCE"))
    assert field(before, "DTSTART;TZID=America/New_York") != field(
        after, "DTSTART;TZID=America/New_York"
    )


def test_request_logs_never_hold_manage_tokens(client, make, caplog):
    import logging

    event = make.event()
    _, token = make.booking(event)
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '"%s" %s',
        (f"GET /b/{token}/screen HTTP/1.1", 200),
        None,
    )
    for handler_filter in logging.getLogger("werkzeug").filters:
        handler_filter.filter(record)
    assert token not in record.getMessage() and "/b/…/screen" in record.getMessage()


def test_coordinator_cancels_own_event_but_not_another_companys(client, make, session):
    mine = make.event()
    other = make.event()
    make.booking(mine)
    sign_in(client, make.user("coordinator", company=mine.company))
    assert (
        client.post(f"/staff/events/{other.id}/cancel", data={"confirm": "yes"}).status_code == 404
    )
    assert client.post(f"/staff/events/{other.id}/details", data={"room": "X"}).status_code == 404
    client.post(f"/staff/events/{mine.id}/cancel", data={})
    session.expire_all()
    assert session.get(Event, mine.id).status == "published"
    client.post(f"/staff/events/{mine.id}/cancel", data={"confirm": "yes"})
    session.expire_all()
    assert session.get(Event, mine.id).status == "cancelled"
    assert session.get(Event, other.id).status == "published"
