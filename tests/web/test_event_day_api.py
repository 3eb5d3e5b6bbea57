"""Issue 11's acceptance through the JSON API, on SQLite and PostgreSQL: a status change for
tomorrow's booking is 409 not-now; after completion the outbox shows reminder and up next
cancelled."""

import datetime as dt

import pytest
import time_machine

from chairops.booking.service import Claim, claim_slot
from chairops.messaging.notify import TextSettings
from chairops.models import utcnow
from chairops.seating.availability import time_options
from tests.factories import phone

pytestmark = pytest.mark.usefixtures("backend")
CFG = TextSettings("https://chairops.example", "chairops")


@pytest.fixture
def chair(make, session):
    event = make.event(chairs=1, start_time="10:00", end_time="12:00")  # tomorrow
    start = time_options(session, event, utcnow())[0].start.isoformat()
    therapist, token = make.user("therapist", api_token=True)
    _, admin_token = make.user("admin", api_token=True)
    event.chairs[0].therapist = therapist
    session.commit()
    booking, _ = claim_slot(session, event, Claim("Kim", phone(1), start, True), utcnow(), CFG)
    session.commit()
    return booking, {"Authorization": f"Bearer {token}"}, {"Authorization": f"Bearer {admin_token}"}


def test_tomorrows_booking_cannot_change_status_today(client, chair):
    booking, therapist, _ = chair
    url = f"/api/v1/bookings/{booking.id}/status"
    for status in ("checked_in", "no_show"):
        answer = client.post(url, json={"status": status}, headers=therapist)
        assert answer.status_code == 409, answer.json
        assert answer.mimetype == "application/problem+json"
        assert answer.json["type"] == "/problems/not-now"
        assert "possible from" in answer.json["detail"]
    assert client.post(url, json={"status": "completed"}, headers=therapist).json["type"] == (
        "/problems/bad-transition"
    )


def test_after_completion_the_reminder_and_up_next_are_cancelled(client, chair):
    booking, therapist, admin = chair
    url = f"/api/v1/bookings/{booking.id}/status"
    with time_machine.travel(booking.slot.starts_at - dt.timedelta(minutes=30), tick=False) as t:
        assert client.post(url, json={"status": "checked_in"}, headers=therapist).status_code == 200
        t.shift(dt.timedelta(minutes=30))
        assert client.post(url, json={"status": "in_service"}, headers=therapist).status_code == 200
        t.shift(dt.timedelta(minutes=15))
        done = client.post(url, json={"status": "completed"}, headers=therapist)
        assert done.json["booking"]["status"] == "completed"
    listed = client.get(f"/api/v1/messages?booking_id={booking.id}", headers=admin).json
    statuses = {m["kind"]: m["status"] for m in listed["messages"]}
    assert statuses == {
        "confirmation": "pending", "reminder": "cancelled", "up_next": "cancelled",
        "tips": "pending",
    }  # fmt: skip


def test_the_openapi_document_names_not_now(client):
    spec = client.get("/api/v1/openapi.json").json
    conflict = spec["paths"]["/api/v1/bookings/{id}/status"]["post"]["responses"]["409"]
    assert "not-now" in conflict["description"]
