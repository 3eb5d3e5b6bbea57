"""The public JSON API: contract shapes and a clear 4xx for every kind of bad input."""

import pytest

from chairops.models import Booking, utcnow
from chairops.seating.availability import time_options
from tests.factories import phone


@pytest.fixture
def event(make):
    return make.event(chairs=2)


def first_start(client, event):
    times = client.get(f"/api/v1/public/events/{event.share_token}").json["times"]
    return times[0]["start"]


def claim(client, event, **fields):
    body = {"name": "Sam", "phone": "202-555-0101", "sms_consent": True, **fields}
    body.setdefault("start", first_start(client, event))
    return client.post(f"/api/v1/public/events/{event.share_token}/bookings", json=body)


def assert_problem(response, status, name):
    assert response.status_code == status, response.data
    assert response.mimetype == "application/problem+json"
    assert response.json["type"] == f"/problems/{name}"
    assert response.json["status"] == status
    assert response.json["title"]


def test_event_times_are_in_the_events_zone_with_free_counts(client, event):
    body = client.get(f"/api/v1/public/events/{event.share_token}").json
    assert body["event"]["timezone"] == "America/New_York"
    assert body["event"]["status"] == "published"
    assert body["times"][0]["start"].endswith(("-05:00", "-04:00"))
    assert body["times"][0]["start"][11:16] == "10:00"
    assert {t["available"] for t in body["times"]} == {2}
    assert body["waitlist_open"] is False


def test_claim_answers_201_with_links_and_the_token_once(client, event, session):
    response = claim(client, event)
    assert response.status_code == 201
    booking = response.json["booking"]
    assert booking["status"] == "booked"
    assert booking["chair"] in (1, 2)
    for link in ("manage_url", "screen_url", "ics_url"):
        assert booking[link].startswith("https://chairops.example/b/" + booking["token"])
    fetched = client.get(f"/api/v1/bookings/{booking['token']}").json["booking"]
    assert fetched["start"] == booking["start"] and fetched["screen_done"] is False
    assert session.query(Booking).one().manage_token_hash != booking["token"]


def test_taken_slot_and_second_booking_are_409s(client, event):
    start = first_start(client, event)
    assert claim(client, event, start=start, phone=phone(1)).status_code == 201
    assert claim(client, event, start=start, phone=phone(2)).status_code == 201
    taken = claim(client, event, start=start, phone=phone(3))
    assert_problem(taken, 409, "slot-taken")
    assert "free" in taken.json["detail"].lower() or "chair" in taken.json["detail"].lower()
    assert taken.json["next_times"]
    assert_problem(claim(client, event, phone=phone(1)), 409, "already-booked")


@pytest.mark.parametrize(
    ("zone", "country", "number"),
    [
        ("America/New_York", "US", "202-555-01{:02d}"),
        ("Asia/Kolkata", "IN", "+91 98765 432{:02d}"),  # +05:30
        ("Pacific/Auckland", "NZ", "+64 21 123 45{:02d}"),  # +13:00 in its summer
        ("Europe/London", "GB", "07400 1234{:02d}"),
    ],
)
def test_the_nearest_free_times_of_a_409_are_times_the_event_offers(
    client, make, zone, country, number
):
    """Written as the availability read writes them (API.md: ISO 8601 in the event's zone), so
    a client can match them to its list; they were in UTC."""
    event = make.event(company=make.company(timezone=zone, country=country), chairs=1)
    times = client.get(f"/api/v1/public/events/{event.share_token}").json["times"]
    start = times[2]["start"]
    assert claim(client, event, start=start, phone=number.format(1)).status_code == 201
    taken = claim(client, event, start=start, phone=number.format(2))
    assert_problem(taken, 409, "slot-taken")
    offered = [t["start"] for t in times if t["start"] != start]
    assert taken.json["next_times"] and set(taken.json["next_times"]) <= set(offered)


def test_cancel_is_200_twice(client, event):
    token = claim(client, event).json["booking"]["token"]
    assert client.delete(f"/api/v1/bookings/{token}").json["booking"]["status"] == "cancelled"
    assert client.delete(f"/api/v1/bookings/{token}").status_code == 200


def test_closed_signup_is_410(client, make, session):
    event = make.event()
    event.status = "closed"
    session.commit()
    start = time_options(session, event, utcnow())[0].start.isoformat()
    assert_problem(claim(client, event, start=start), 410, "signup-closed")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"phone": "12"}, "phone"),
        ({"phone": "+1 800 555 0100"}, "phone"),
        ({"phone": 2025550101}, "phone"),
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"name": "x" * 5000}, "name"),
        ({"start": "2020-01-01T10:00:00-05:00"}, "start"),
        ({"start": "noon"}, "start"),
        ({"start": None}, "start"),
        ({"sms_consent": "true"}, "sms_consent"),
    ],
)
def test_bad_fields_are_422_naming_the_field(client, event, session, fields, field):
    response = claim(client, event, **fields)
    assert_problem(response, 422, "validation")
    assert field in response.json["errors"]
    assert session.query(Booking).count() == 0


def test_unknown_share_token_and_booking_token_are_404(client):
    assert_problem(client.get("/api/v1/public/events/nope"), 404, "event-not-found")
    assert_problem(
        client.post("/api/v1/public/events/nope/bookings", json={}), 404, "event-not-found"
    )
    assert_problem(client.get("/api/v1/bookings/" + "a" * 43), 404, "booking-not-found")
    assert_problem(client.delete("/api/v1/bookings/" + "a" * 43), 404, "booking-not-found")


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"\xff\xfe\x00garbage", 400),
        (b"{not json", 400),
        (b"[1, 2, 3]", 422),
        (b'"a string"', 422),
        (b"x" * (70 * 1024), 413),
    ],
    ids=["non-utf8", "broken-json", "array", "string", "oversized"],
)
def test_malformed_bodies_get_clear_4xx(client, event, session, data, status):
    response = client.post(
        f"/api/v1/public/events/{event.share_token}/bookings",
        data=data,
        content_type="application/json",
    )
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert session.query(Booking).count() == 0


def test_unknown_api_path_is_problem_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
