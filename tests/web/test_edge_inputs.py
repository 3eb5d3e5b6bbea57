"""Issue 12, point 4: every input class that used to be a 500 is a clear 4xx naming the field.

Through the API and the pages, on SQLite and PostgreSQL (where an id of 2^31 overflowed).
"""

from __future__ import annotations

import json

import pytest

from tests.factories import PASSWORD

pytestmark = pytest.mark.usefixtures("backend")
BIG = 2**31


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def world(make, session):
    """An event with a booking, an admin (chair 1's therapist too) and the event's coordinator."""
    event = make.event()
    admin, admin_token = make.user("admin", api_token=True)
    coordinator, coordinator_token = make.user("coordinator", company=event.company, api_token=True)
    event.chairs[0].therapist_id = admin.id
    session.commit()
    booking, token = make.booking(event, 1)
    return {
        "event": event, "admin": admin, "admin_token": admin_token, "coordinator": coordinator,
        "coordinator_token": coordinator_token, "booking": booking, "token": token,
    }  # fmt: skip


def problem_of(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return response.json


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/events/{BIG}/roster",
        f"/api/v1/events/{BIG}/chairs/1/queue",
        f"/api/v1/events/1/chairs/{BIG}/queue",
        f"/api/v1/events/{10**40}/roster",
        f"/api/v1/events/{'9' * 5000}/roster",
    ],
)
def test_ids_past_the_database_integer_in_paths_are_404(client, world, path):
    response = client.get(path, headers=bearer(world["admin_token"]))
    problem_of(response, 404)


def test_ids_past_the_database_integer_in_page_paths_are_404(client, world):
    client.post("/login", data={"email": world["admin"].email, "password": PASSWORD})
    for path in (f"/staff/events/{BIG}", f"/staff/bookings/{BIG}/card", "/staff/events/²"):
        assert client.get(path).status_code == 404


@pytest.mark.parametrize("value", [str(BIG), "-1", "-2147483649", "9" * 30, "²"])
def test_ids_past_the_database_integer_in_queries_are_422_naming_the_field(client, world, value):
    response = client.get(
        "/api/v1/messages", query_string={"booking_id": value}, headers=bearer(world["admin_token"])
    )
    assert "booking_id" in problem_of(response, 422)["errors"]


def test_ids_past_the_database_integer_in_bodies_are_422_naming_the_field(client, world):
    event, admin = world["event"], bearer(world["admin_token"])
    url = f"/api/v1/events/{event.id}/chairs/1/therapist"
    assert (
        "user_id"
        in problem_of(client.post(url, json={"user_id": BIG}, headers=admin), 422)["errors"]
    )
    new_event = {"company_id": -BIG - 1, "title": "x", "location": "y", "timezone": "UTC"}
    response = client.post("/api/v1/events", json=new_event, headers=admin)
    assert "company_id" in problem_of(response, 422)["errors"]
    status = client.post(
        f"/api/v1/bookings/{world['booking'].id}/status", json={"status": BIG}, headers=admin
    )
    assert "status" in problem_of(status, 422)["errors"]


def test_a_nul_byte_in_any_text_field_is_422_naming_the_field(client, world):
    share = world["event"].share_token
    body = {"name": "Sam\x00", "phone": "202-555-0101", "sms_consent": True, "start": "x"}
    response = client.post(f"/api/v1/public/events/{share}/bookings", json=body)
    assert problem_of(response, 422)["errors"] == {
        "name": "Remove the NUL character from this field."
    }
    nested = {"pain_areas": ["neck\x00"], "avoid_note": "ok"}
    screen = client.put(f"/api/v1/bookings/{world['token']}/screen", json=nested)
    assert "pain_areas[0]" in problem_of(screen, 422)["errors"]
    page = client.post(f"/e/{share}", data={"name": "Sam\x00", "phone": "202-555-0101"})
    assert page.status_code == 422 and "name" in page.get_data(as_text=True)
    query = client.get(f"/api/v1/public/events/{share}", query_string={"q": "a\x00b"})
    assert "q" in problem_of(query, 422)["errors"]
    login = client.post("/login", data={"email": "a\x00@b.c", "password": "x"})
    assert login.status_code == 422


def test_a_nul_byte_in_a_path_token_is_404(client, world):
    assert client.get("/api/v1/public/events/abc%00def").status_code == 404
    assert client.get("/e/abc%00def").status_code == 404


def test_a_lone_surrogate_in_json_is_422_naming_the_field(client, world):
    share = world["event"].share_token
    raw = '{"name": "Sam \\ud800", "phone": "202-555-0101", "sms_consent": true, "start": "x"}'
    response = client.post(
        f"/api/v1/public/events/{share}/bookings", data=raw, content_type="application/json"
    )
    assert "name" in problem_of(response, 422)["errors"]
    key = client.post(
        f"/api/v1/public/events/{share}/bookings",
        data='{"\\udfff": 1}',
        content_type="application/json",
    )
    assert key.status_code in (400, 422)


@pytest.mark.parametrize("depth", [33, 5000, 100_000])
def test_deeply_nested_json_is_400(client, world, depth):
    raw = "[" * depth + "]" * depth
    if depth > 20_000:
        raw = '{"a":' * (depth // 10) + "1" + "}" * (depth // 10)
    response = client.put(
        f"/api/v1/bookings/{world['token']}/screen", data=raw, content_type="application/json"
    )
    problem_of(response, 400 if len(raw) <= 64 * 1024 else 413)


def test_json_nested_within_the_limit_still_reaches_the_service(client, world):
    raw = json.dumps({"pain_areas": [[[[["neck"]]]]]})
    response = client.put(
        f"/api/v1/bookings/{world['token']}/screen", data=raw, content_type="application/json"
    )
    assert "pain_areas" in problem_of(response, 422)["errors"]


def test_not_a_number_or_infinity_in_json_is_refused(client, world):
    url = f"/api/v1/events/{world['event'].id}"
    admin = {"headers": bearer(world["admin_token"]), "content_type": "application/json"}
    assert client.patch(url, data='{"chairs": NaN}', **admin).status_code == 400
    assert (
        "chairs" in problem_of(client.patch(url, data='{"chairs": 1e999}', **admin), 422)["errors"]
    )


def test_non_ascii_digits_in_numeric_form_fields_are_422(client, world):
    token, event = world["token"], world["event"]
    screen = {"pain_areas": "lower_back", "low_back_pain": "²", "leg_symptoms": "none"}
    response = client.post(f"/b/{token}/screen", data=screen)
    assert response.status_code == 422 and "low_back_pain" in response.get_data(as_text=True)
    client.post("/login", data={"email": world["admin"].email, "password": PASSWORD})
    assign = client.post(f"/staff/events/{event.id}/chairs/1/therapist", data={"user_id": "²"})
    assert assign.status_code == 422
    big = client.post(f"/staff/events/{event.id}/chairs/1/therapist", data={"user_id": str(BIG)})
    assert big.status_code == 422
    invite = {"email": "new@example.com", "role": "coordinator", "company_id": "³"}
    assert client.post("/staff/team/invites", data=invite).status_code == 422


def test_plain_digits_in_other_scripts_and_long_phone_numbers_still_work(client, world):
    share = world["event"].share_token
    page = client.get(f"/api/v1/public/events/{share}").json
    body = {
        "name": "Sam",
        "phone": "2025550188",
        "sms_consent": True,
        "start": page["times"][0]["start"],
    }
    assert client.post(f"/api/v1/public/events/{share}/bookings", json=body).status_code == 201
