"""The tablet through the API and its pages: ETag polling, reach, transitions, double taps."""

import datetime as dt

import pytest
import time_machine

from chairops.models import Booking
from chairops.screening.service import submit_screen
from tests.factories import PASSWORD
from tests.querycount import counting_queries

R5 = {
    "pain_areas": ["lower_back"], "low_back_pain": 8, "new_or_different": False,
    "leg_symptoms": "none", "red_flags": False, "conditions": [], "pressure": "firm",
    "avoid_note": "left wrist",
}  # fmt: skip


@pytest.fixture
def setup(make, session):
    event = make.event(chairs=2)
    therapist, token = make.user("therapist", api_token=True)
    event.chairs[1].therapist = therapist
    session.commit()
    on_two, _ = make.booking(event, 1)
    if on_two.slot.chair.number != 2:
        on_two, _ = make.booking(event, 2)
    submit_screen(session, on_two, R5, on_two.slot.starts_at - dt.timedelta(hours=1))
    session.commit()
    return event, therapist, {"Authorization": f"Bearer {token}"}, on_two


@pytest.fixture
def event_day(setup):
    """Five minutes before the first booking, on the event's day: status moves are allowed then
    (issue 11: not the evening before, as these tests used to do)."""
    with time_machine.travel(setup[3].slot.starts_at - dt.timedelta(minutes=5), tick=True):
        yield


@pytest.mark.usefixtures("event_day")
def test_queue_api_shape_and_etag(client, setup):
    event, _, auth, booking = setup
    url = f"/api/v1/events/{event.id}/chairs/2/queue"
    response = client.get(url, headers=auth)
    assert response.status_code == 200
    body = response.json
    assert body["chair"] == 2
    entry = next(b for b in body["bookings"] if b["id"] == booking.id)
    assert entry["screen"] == {
        "routine": "glute_exception", "rule": "R5", "cautions": [], "pressure": "firm",
        "avoid_note": "left wrist",
    }  # fmt: skip
    assert "answers" not in str(body) and "low_back_pain" not in str(body)
    etag = response.headers["ETag"]
    unchanged = client.get(url, headers={**auth, "If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.data == b""
    client.post(
        f"/api/v1/bookings/{booking.id}/status", json={"status": "checked_in"}, headers=auth
    )
    assert client.get(url, headers={**auth, "If-None-Match": etag}).status_code == 200


@pytest.mark.usefixtures("event_day")
def test_therapist_reaches_only_their_chair_and_admin_reaches_all(client, make, setup, session):
    event, _, auth, _ = setup
    other = make.booking(event, 5)[0]
    if other.slot.chair.number == 2:
        other = make.booking(event, 6)[0]
    assert other.slot.chair.number == 1
    assert client.get(f"/api/v1/events/{event.id}/chairs/1/queue", headers=auth).status_code == 404
    moved = client.post(
        f"/api/v1/bookings/{other.id}/status", json={"status": "checked_in"}, headers=auth
    )
    assert moved.status_code == 404
    _, admin_token = make.user("admin", api_token=True)
    admin = {"Authorization": f"Bearer {admin_token}"}
    assert client.get(f"/api/v1/events/{event.id}/chairs/1/queue", headers=admin).status_code == 200
    ok = client.post(
        f"/api/v1/bookings/{other.id}/status", json={"status": "checked_in"}, headers=admin
    )
    assert ok.json["booking"]["status"] == "checked_in"


@pytest.mark.usefixtures("event_day")
def test_forbidden_transitions_are_409_and_double_taps_are_harmless(client, setup, session):
    _, _, auth, booking = setup
    url = f"/api/v1/bookings/{booking.id}/status"
    bad = client.post(url, json={"status": "completed"}, headers=auth)
    assert bad.status_code == 409 and bad.json["type"] == "/problems/bad-transition"
    assert client.post(url, json={"status": "booked"}, headers=auth).status_code == 422
    for status in ("checked_in", "in_service", "completed", "completed"):
        assert client.post(url, json={"status": status}, headers=auth).status_code == 200
    assert client.post(url, json={"status": "no_show"}, headers=auth).status_code == 409
    session.expire_all()
    assert session.get(Booking, booking.id).status == "completed"


def test_admin_assigns_therapists_by_api(client, make, setup):
    event, therapist, auth, _ = setup
    _, admin_token = make.user("admin", api_token=True)
    admin = {"Authorization": f"Bearer {admin_token}"}
    url = f"/api/v1/events/{event.id}/chairs/1/therapist"
    assert client.post(url, json={"user_id": therapist.id}, headers=auth).status_code == 404
    assert (
        client.post(url, json={"user_id": therapist.id}, headers=admin).json["chair"][
            "therapist_id"
        ]
        == therapist.id
    )
    assert client.post(url, json={"user_id": "x"}, headers=admin).status_code == 422
    assert (
        client.post(
            f"/api/v1/events/{event.id}/chairs/9/therapist", json={"user_id": None}, headers=admin
        ).status_code
        == 404
    )
    assert client.get("/api/v1/me", headers=auth).json["role"] == "therapist"


def test_queue_request_issues_a_fixed_number_of_queries(client, make, session):
    event = make.event(
        chairs=1, start_time="08:00", end_time="20:00", slot_minutes=15, buffer_minutes=0
    )
    _, admin_token = make.user("admin", api_token=True)
    counts = []
    for n in range(40):
        booking, _ = make.booking(event, n)
        submit_screen(session, booking, R5, booking.slot.starts_at - dt.timedelta(hours=1))
        session.commit()
        if n + 1 in (5, 40):
            with counting_queries() as statements:
                response = client.get(
                    f"/api/v1/events/{event.id}/chairs/1/queue",
                    headers={"Authorization": f"Bearer {admin_token}"},
                )
            assert len(response.json["bookings"]) == n + 1
            counts.append(len(statements))
    assert counts[0] == counts[1] <= 4


@pytest.mark.usefixtures("event_day")
def test_tablet_pages_sign_in_pick_chair_act_and_poll(client, setup, session):
    event, therapist, _, booking = setup
    client.post("/login", data={"email": therapist.email, "password": PASSWORD})
    home = client.get("/staff", follow_redirects=True)
    assert f"/tablet/events/{event.id}/chairs/2".encode() in home.data
    page = client.get(f"/tablet/events/{event.id}/chairs/2").get_data(as_text=True)
    assert "Glute exception" in page and "sciatic notch" in page and "left wrist" in page
    assert client.get(f"/tablet/events/{event.id}/chairs/1").status_code == 404
    live = client.get(f"/tablet/events/{event.id}/chairs/2/live")
    assert (
        client.get(live.request.path, headers={"If-None-Match": live.headers["ETag"]}).status_code
        == 304
    )
    client.post(f"/tablet/bookings/{booking.id}/status", data={"status": "checked_in"})
    assert "Undo" in client.get(f"/tablet/events/{event.id}/chairs/2").get_data(as_text=True)
    client.post(f"/tablet/bookings/{booking.id}/undo")
    session.expire_all()
    assert session.get(Booking, booking.id).status == "booked"
    assert b"chairs/2" in client.get("/tablet/").data


def test_the_therapist_takes_the_screen_on_the_tablet(client, make, session):
    event = make.event(chairs=1)
    therapist = make.user("therapist")
    event.chairs[0].therapist = therapist
    session.commit()
    booking, _ = make.booking(event)
    client.post("/login", data={"email": therapist.email, "password": PASSWORD})
    form = client.get(f"/tablet/bookings/{booking.id}/screen")
    assert form.status_code == 200 and f"Questions for {booking.name}" in form.get_data(
        as_text=True
    )
    answers = {
        "pain_areas": ["lower_back"], "low_back_pain": "7", "new_or_different": "no",
        "leg_symptoms": "none", "red_flags": "no", "pressure": "medium",
    }  # fmt: skip
    done = client.post(f"/tablet/bookings/{booking.id}/screen", data=answers)
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/chairs/{1}")
    session.expire_all()
    screen = session.get(Booking, booking.id).screen
    assert (screen.rule, screen.taken_by) == ("R5", "therapist")
    stranger = make.user("therapist")
    client.post("/logout")
    client.post("/login", data={"email": stranger.email, "password": PASSWORD})
    assert client.get(f"/tablet/bookings/{booking.id}/screen").status_code == 404
