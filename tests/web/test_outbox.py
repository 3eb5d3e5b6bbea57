"""The admin outbox page and GET /api/v1/messages: admins only, numbers masked, links redacted."""

from __future__ import annotations

import datetime as dt

import pytest

from chairops.messaging.outbox import enqueue
from chairops.models import utcnow
from chairops.phones import mask
from tests.factories import PASSWORD, phone

MASKED_11, MASKED_12 = mask(phone(11)), mask(phone(12))
TOKEN_LINK = "https://chairops.example/b/ZyXwVuTsRqPoNmLkJiHgFeDcBa9876543210"


def sign_in(client, user):
    return client.post("/login", data={"email": user.email, "password": PASSWORD})


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def texts(session, make):
    """Three texts: two for one booking (one failed), one about another event."""
    event = make.event()
    booking, _ = make.booking(event, 11)
    at = utcnow() + dt.timedelta(hours=2)
    first = enqueue(
        session, to=booking.phone, kind="reminder", body=f"See you! Manage: {TOKEN_LINK}",
        key="o:1", send_at=at, booking=booking,
    )  # fmt: skip
    failed = enqueue(
        session, to=booking.phone, kind="tips", body="Tips", key="o:2", send_at=at, booking=booking
    )
    failed.status, failed.error_code, failed.attempts = "failed", "21211", 1
    other = enqueue(
        session, to=phone(12), kind="waitlist_offer", body="A chair is free", key="o:3", send_at=at,
        event_id=make.event().id,
    )  # fmt: skip
    session.commit()
    return {"event": event, "booking": booking, "ids": (first.id, failed.id, other.id)}


def test_the_outbox_masks_numbers_and_redacts_links(client, make, texts):
    sign_in(client, make.user("admin"))
    page = client.get("/staff/outbox")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert phone(11) not in html and phone(12) not in html
    assert MASKED_11 in html and MASKED_12 in html
    assert "ZyXwVuTs" not in html and "/b/…" in html
    assert "21211" in html and 'class="list"' in html


def test_the_outbox_filters_by_event_status_and_kind(client, make, texts):
    sign_in(client, make.user("admin"))
    by_event = client.get(f"/staff/outbox?event_id={texts['event'].id}").get_data(as_text=True)
    assert MASKED_11 in by_event and MASKED_12 not in by_event
    failed = client.get("/staff/outbox?status=failed").get_data(as_text=True)
    assert "Tips" in failed and "See you!" not in failed
    kind = client.get("/staff/outbox?kind=waitlist_offer").get_data(as_text=True)
    assert MASKED_12 in kind and MASKED_11 not in kind
    nonsense = client.get("/staff/outbox?status=bogus&event_id=x")
    assert nonsense.status_code == 200 and MASKED_12 in nonsense.get_data(as_text=True)


@pytest.mark.parametrize("role", ["coordinator", "therapist"])
def test_the_outbox_is_404_for_everyone_but_admins(client, make, texts, role):
    assert client.get("/staff/outbox").status_code == 302  # signed out: to the sign-in page
    sign_in(client, make.user(role))
    assert client.get("/staff/outbox").status_code == 404


def test_api_lists_a_bookings_texts_masked(client, make, texts):
    _, token = make.user("admin", api_token=True)
    booking = texts["booking"]
    response = client.get(f"/api/v1/messages?booking_id={booking.id}", headers=bearer(token))
    assert response.status_code == 200
    messages = response.json["messages"]
    first_id, failed_id, other_id = texts["ids"]
    listed = {m["id"] for m in messages}
    assert {first_id, failed_id} <= listed and other_id not in listed
    failed = next(m for m in messages if m["id"] == failed_id)
    assert set(failed) == {
        "id", "kind", "to", "status", "send_at", "attempts", "error_code", "sid",
        "segments", "booking_id", "event_id",
    }  # fmt: skip
    assert failed["to"] == MASKED_11 and failed["error_code"] == "21211"
    assert (failed["kind"], failed["status"], failed["attempts"], failed["sid"]) == (
        "tips",
        "failed",
        1,
        None,
    )
    assert dt.datetime.fromisoformat(failed["send_at"]).utcoffset() is not None
    assert all(phone(11) not in m["to"] for m in messages)


def test_api_messages_is_admin_only(client, make, texts):
    url = f"/api/v1/messages?booking_id={texts['booking'].id}"
    assert client.get(url).status_code == 401
    for role in ("coordinator", "therapist"):
        _, token = make.user(role, api_token=True)
        response = client.get(url, headers=bearer(token))
        assert response.status_code == 404 and response.mimetype == "application/problem+json"
