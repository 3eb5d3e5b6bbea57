"""The walk-up line in the JSON API: shapes of API.md, problem names, reach, and no 500s."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from chairops.models import LineEntry
from tests.factories import phone
from tests.walkup_support import open_line


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def line(make, session):
    """An open line with two chairs; chair 1 has a therapist holding an API token."""
    event = open_line(make)
    therapist, token = make.user("therapist", api_token=True)
    event.chairs[0].therapist = therapist
    session.commit()
    return event, bearer(token)


def join(client, event, n: int, **extra):
    body = {"name": f"Person {n}", "phone": phone(n), "sms_consent": True} | extra
    return client.post(f"/api/v1/public/events/{event.share_token}/line", json=body)


def test_join_answers_the_shape_of_api_md(client, line):
    event, _ = line
    first = join(client, event, 1)
    assert first.status_code == 201
    entry = first.json["entry"]
    assert {"token", "position", "estimated_wait_minutes", "status"} <= entry.keys()
    assert (entry["position"], entry["status"]) == (1, "waiting")
    assert entry["estimated_wait_minutes"] == 10  # 2 chairs, 15 + 5 minutes a turn
    assert entry["url"].endswith(f"/l/{entry['token']}")
    second = join(client, event, 2).json["entry"]
    assert (second["position"], second["estimated_wait_minutes"]) == (2, 20)


def test_a_phone_already_in_line_is_409_already_in_line(client, line):
    event, _ = line
    join(client, event, 1)
    again = join(client, event, 1, name="Someone else")
    assert again.status_code == 409
    assert again.mimetype == "application/problem+json"
    assert again.json["type"] == "/problems/already-in-line"


def test_joining_a_closed_line_is_410_line_closed(client, make, session):
    event = open_line(make, start_time="06:00", end_time="07:00")  # over at about 10:00
    response = join(client, event, 1)
    assert response.status_code == 410
    assert response.json["type"] == "/problems/line-closed"
    assert "closed" in response.json["detail"]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"name": "", "phone": "+12025550100", "sms_consent": True}, {"name"}),
        ({"name": "Dana", "phone": "123", "sms_consent": True}, {"phone"}),
        ({"name": "Dana", "phone": "+12025550100", "sms_consent": "yes"}, {"sms_consent"}),
        ({"name": ["Dana"], "phone": 5, "sms_consent": None}, {"name", "phone", "sms_consent"}),
        ({}, {"name", "phone"}),
    ],
)
def test_bad_fields_are_422_naming_each(client, line, body, fields):
    event, _ = line
    response = client.post(f"/api/v1/public/events/{event.share_token}/line", json=body)
    assert response.status_code == 422
    assert set(response.json["errors"]) == fields


def test_join_needs_a_json_object_and_a_real_event(client, line):
    event, _ = line
    url = f"/api/v1/public/events/{event.share_token}/line"
    assert client.post(url, data="not json", content_type="application/json").status_code == 400
    assert client.post(url, json=["a list"]).status_code == 422
    missing = client.post("/api/v1/public/events/nope/line", json={"name": "A"})
    assert (missing.status_code, missing.json["type"]) == (404, "/problems/event-not-found")


def test_a_slots_event_has_no_line_and_a_line_event_no_bookings(client, make, line):
    slots = make.event()
    response = client.post(
        f"/api/v1/public/events/{slots.share_token}/line",
        json={"name": "Dana", "phone": phone(1), "sms_consent": True},
    )
    assert (response.status_code, response.json["type"]) == (409, "/problems/not-a-line")
    event, _ = line
    booking = client.post(
        f"/api/v1/public/events/{event.share_token}/bookings",
        json={"name": "Dana", "phone": phone(1), "start": "2031-01-01T10:00:00+00:00",
              "sms_consent": True},
    )  # fmt: skip
    assert (booking.status_code, booking.json["type"]) == (409, "/problems/walk-up-event")
    waitlist = client.post(
        f"/api/v1/public/events/{event.share_token}/waitlist",
        json={"name": "Dana", "phone": phone(1), "sms_consent": True},
    )
    assert (waitlist.status_code, waitlist.json["type"]) == (409, "/problems/walk-up-event")
    public = client.get(f"/api/v1/public/events/{event.share_token}").json
    assert public["times"] == [] and public["waitlist_open"] is False


def test_get_and_delete_a_place_by_its_token(client, line):
    event, _ = line
    token = join(client, event, 1).json["entry"]["token"]
    assert client.get(f"/api/v1/line/{token}").json["entry"]["position"] == 1
    left = client.delete(f"/api/v1/line/{token}")
    assert left.status_code == 200 and left.json["entry"]["status"] == "left"
    assert client.delete(f"/api/v1/line/{token}").json["entry"]["status"] == "left"
    for method in ("get", "delete"):
        unknown = getattr(client, method)("/api/v1/line/" + "x" * 43)
        assert (unknown.status_code, unknown.json["type"]) == (404, "/problems/line-not-found")
        short = getattr(client, method)("/api/v1/line/abc")
        assert short.status_code == 404


def test_call_next_calls_the_first_in_line_to_that_chair(client, line, session):
    event, auth = line
    token = join(client, event, 1).json["entry"]["token"]
    join(client, event, 2)
    response = client.post(f"/api/v1/events/{event.id}/chairs/1/call-next", headers=auth)
    assert response.status_code == 200
    entry = response.json["entry"]
    assert {"id", "name", "status", "chair", "joined_at"} <= entry.keys()
    assert (entry["name"], entry["status"], entry["chair"]) == ("Person 1", "called", 1)
    place = client.get(f"/api/v1/line/{token}").json["entry"]
    assert (place["status"], place["chair"], place["position"]) == ("called", 1, None)
    queue = client.get(f"/api/v1/events/{event.id}/chairs/1/queue", headers=auth).json
    assert [b["name"] for b in queue["bookings"]] == ["Person 1"]
    assert queue["bookings"][0]["walk_in"] is True


def test_call_next_on_an_empty_line_is_409_line_empty(client, line):
    event, auth = line
    response = client.post(f"/api/v1/events/{event.id}/chairs/1/call-next", headers=auth)
    assert (response.status_code, response.json["type"]) == (409, "/problems/line-empty")


def test_call_next_on_a_slots_event_is_409_not_a_line(client, make, session):
    event = make.event()
    admin, token = make.user("admin", api_token=True)
    response = client.post(f"/api/v1/events/{event.id}/chairs/1/call-next", headers=bearer(token))
    assert (response.status_code, response.json["type"]) == (409, "/problems/not-a-line")


def test_only_that_chair_s_therapist_or_an_admin_calls(client, make, line):
    event, auth = line
    join(client, event, 1)
    url = f"/api/v1/events/{event.id}/chairs/2/call-next"  # chair 2 is not theirs
    assert client.post(url, headers=auth).status_code == 404
    assert client.post(url).status_code == 401
    _, coordinator = make.user("coordinator", company=event.company, api_token=True)
    assert client.post(url, headers=bearer(coordinator)).status_code == 404
    _, admin = make.user("admin", api_token=True)
    assert client.post(url, headers=bearer(admin)).status_code == 200
    assert (
        client.post(f"/api/v1/events/{event.id}/chairs/9/call-next", headers=auth).status_code
        == 404
    )


def test_not_here_before_the_grace_time_and_for_someone_not_called(client, line, session):
    event, auth = line
    join(client, event, 1)
    join(client, event, 2)
    called = client.post(f"/api/v1/events/{event.id}/chairs/1/call-next", headers=auth).json
    url = f"/api/v1/line-entries/{called['entry']['id']}/not-here"
    early = client.post(url, headers=auth)
    assert (early.status_code, early.json["type"]) == (409, "/problems/grace-not-over")
    waiting = session.query(LineEntry).filter_by(status="waiting").one()
    other = client.post(f"/api/v1/line-entries/{waiting.id}/not-here", headers=auth)
    assert (other.status_code, other.json["type"]) == (409, "/problems/not-called")
    assert client.post("/api/v1/line-entries/999999/not-here", headers=auth).status_code == 404


def test_events_api_creates_a_line_event_without_slots(client, make):
    _, token = make.user("coordinator", api_token=True)
    body = {
        "title": "Health fair", "location": "Hall B", "timezone": "America/Chicago",
        "date": "2031-06-03", "start_time": "10:00", "end_time": "16:00", "chairs": 4,
        "slot_minutes": 15, "buffer_minutes": 5, "kind": "line",
    }  # fmt: skip
    created = client.post("/api/v1/events", json=body, headers=bearer(token))
    assert created.status_code == 201
    assert (created.json["event"]["kind"], created.json["event"]["slots"]) == ("line", 0)
    plain = client.post("/api/v1/events", json=body | {"kind": None}, headers=bearer(token))
    assert plain.json["event"]["kind"] == "slots" and plain.json["event"]["slots"] == 72
    bad = client.post("/api/v1/events", json=body | {"kind": "queue"}, headers=bearer(token))
    assert bad.status_code == 422 and set(bad.json["errors"]) == {"kind"}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.dictionaries(
        st.sampled_from(["name", "phone", "sms_consent", "extra"]),
        st.one_of(
            st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
            st.text(max_size=200), st.lists(st.text(max_size=5), max_size=3),
            st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
        ),
    )
)  # fmt: skip
@example({"name": float("inf")})  # found by hypothesis in CI: a 400, which the test did not allow
@example({"name": "Ann", "phone": float("nan"), "sms_consent": True})
def test_no_join_body_gives_a_500(client, line, body):
    event, _ = line
    response = client.post(f"/api/v1/public/events/{event.share_token}/line", json=body)
    # NaN and Infinity are what json.dumps writes for them, and not JSON: a 400 says so.
    not_json = any(isinstance(v, float) and not math.isfinite(v) for v in body.values())
    assert response.status_code in ((400,) if not_json else (201, 409, 422)), response.json
    assert response.mimetype in ("application/json", "application/problem+json")
