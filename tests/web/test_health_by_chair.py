"""Issue 12, points 7 and 9: screen data by chair, no-store on health pages, HSTS, secret key."""

from __future__ import annotations

import pytest

from chairops import config
from chairops.models import utcnow
from chairops.screening.rules import may_see_screen
from chairops.screening.service import submit_screen
from tests.factories import PASSWORD

ANSWERS = {
    "pain_areas": ["lower_back"], "low_back_pain": 8, "new_or_different": False,
    "leg_symptoms": "none", "red_flags": False, "conditions": [], "pressure": "firm",
    "avoid_note": "chair two secret",
}  # fmt: skip


@pytest.fixture
def two_chairs(make, session):
    """Chair 1 and chair 2 with their own therapists, and a screened booking on chair 2."""
    event = make.event(chairs=2)
    first, second = make.user("therapist"), make.user("therapist")
    event.chairs[0].therapist, event.chairs[1].therapist = first, second
    session.commit()
    start = make.booking(event, 1)[0].slot.starts_at  # chair 1 (fewest bookings, lowest number)
    booking, token = make.booking(event, 2, start=start)
    assert booking.slot.chair.number == 2
    submit_screen(session, booking, ANSWERS, utcnow())
    session.commit()
    return event, first, second, booking, token


def sign_in(client, user):
    client.post("/login", data={"email": user.email, "password": PASSWORD})


def test_the_rule_is_that_bookings_chair_therapist_or_an_admin():
    assert may_see_screen("admin", 1, None)
    assert may_see_screen("therapist", 7, 7)
    assert not may_see_screen("therapist", 7, 8)
    assert not may_see_screen("therapist", 7, None)
    assert not may_see_screen("coordinator", 7, 7)


def test_the_therapist_of_another_chair_cannot_open_the_card_or_the_answers(
    client, make, two_chairs
):
    event, first, _, booking, _ = two_chairs
    sign_in(client, first)
    assert client.get(f"/staff/bookings/{booking.id}/card").status_code == 404
    answers = client.post(f"/staff/bookings/{booking.id}/answers")
    assert answers.status_code == 404 and b"chair two secret" not in answers.data
    assert client.get(f"/tablet/bookings/{booking.id}/screen").status_code == 404
    assert client.get(f"/tablet/events/{event.id}/chairs/2").status_code == 404


def test_that_chairs_therapist_and_an_admin_can(app, make, two_chairs):
    event, _, second, booking, _ = two_chairs
    for user in (second, make.user("admin")):
        client = app.test_client()
        sign_in(client, user)
        card = client.get(f"/staff/bookings/{booking.id}/card")
        assert card.status_code == 200 and b"chair two secret" in card.data
        answers = client.post(f"/staff/bookings/{booking.id}/answers")
        assert answers.status_code == 200
        for response in (card, answers):
            assert response.headers["Cache-Control"] == "no-store"


def test_pages_and_answers_with_health_data_are_never_stored(app, client, two_chairs):
    event, _, second, booking, token = two_chairs
    for response in (
        client.get(f"/b/{token}/screen"),  # pre-filled with the answers
        client.get(f"/b/{token}/screen/done"),
        client.put(f"/api/v1/bookings/{token}/screen", json=ANSWERS),
    ):
        assert response.headers["Cache-Control"] == "no-store", response.request.path
    staff = app.test_client()
    sign_in(staff, second)
    for path in (
        f"/tablet/events/{event.id}/chairs/2",
        f"/tablet/events/{event.id}/chairs/2/live",
        f"/tablet/bookings/{booking.id}/screen",
    ):
        response = staff.get(path)
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"


def test_the_queue_api_is_never_stored(client, make, two_chairs):
    event, *_ = two_chairs
    _, token = make.user("admin", api_token=True)
    response = client.get(
        f"/api/v1/events/{event.id}/chairs/2/queue", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"


def test_hsts_whenever_the_public_address_is_https(app, client, make):
    event = make.event()
    app.config["PUBLIC_BASE_URL"] = "https://chairops.example"
    assert "max-age" in client.get(f"/e/{event.share_token}").headers["Strict-Transport-Security"]
    app.config["PUBLIC_BASE_URL"] = "http://127.0.0.1:5000"
    assert "Strict-Transport-Security" not in client.get(f"/e/{event.share_token}").headers


@pytest.mark.parametrize("key", ["", "short", config.DEFAULT_SECRET_KEY, "x" * 31])
def test_production_refuses_an_empty_short_or_default_secret_key(key):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        config.check_production({"ENV_NAME": "production", "SECRET_KEY": key})


def test_production_accepts_a_long_secret_key_and_development_anything():
    config.check_production({"ENV_NAME": "production", "SECRET_KEY": "k" * 64})
    config.check_production({"ENV_NAME": "development", "SECRET_KEY": ""})
