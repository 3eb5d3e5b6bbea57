"""The screen through pages and the API; and that coordinators never see health data."""

import pytest

from chairops.models import AuditEntry, Screen
from tests.factories import PASSWORD

FORM_SEVERE = {
    "pain_areas": ["lower_back", "neck_shoulders"], "low_back_pain": "8", "new_or_different": "no",
    "leg_symptoms": "none", "red_flags": "no", "pressure": "medium", "avoid_note": "",
}  # fmt: skip
JSON_SEVERE = {
    "pain_areas": ["lower_back"], "low_back_pain": 8, "new_or_different": False,
    "leg_symptoms": "none", "red_flags": False, "conditions": [], "pressure": "firm",
    "avoid_note": "right shoulder",
}  # fmt: skip
FORBIDDEN = ("refer", "modified", "exception", "glute", "routine")


@pytest.fixture
def booked(make):
    event = make.event()
    booking, token = make.booking(event)
    return event, booking, token


def test_form_severe_settled_pain_is_glute_exception_and_the_attendee_sees_a_friendly_note(
    client, booked, session
):
    _, _, token = booked
    response = client.post(f"/b/{token}/screen", data=FORM_SEVERE)
    assert response.status_code == 303
    done = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "your therapist will tailor your session" in done
    assert not any(word in done.lower() for word in FORBIDDEN)
    assert (session.query(Screen).one().routine, session.query(Screen).one().rule) == (
        "glute_exception",
        "R5",
    )


def test_form_red_flags_show_urgent_advice_and_store_refer(client, booked, session):
    _, _, token = booked
    client.post(f"/b/{token}/screen", data={**FORM_SEVERE, "red_flags": "yes"})
    done = client.get(f"/b/{token}/screen/done").get_data(as_text=True)
    assert "urgent" in done.lower() and "bladder or bowel" in done
    assert not any(word in done.lower() for word in FORBIDDEN)
    assert session.query(Screen).one().rule == "R1"


def test_without_lower_back_ticked_the_pain_score_is_ignored(client, booked, session):
    _, _, token = booked
    form = {**FORM_SEVERE, "pain_areas": ["neck_shoulders"], "low_back_pain": "9"}
    assert client.post(f"/b/{token}/screen", data=form).status_code == 303
    assert session.query(Screen).one().routine == "standard"


def test_missing_answers_on_the_page_are_named_and_kept(client, booked, session):
    _, _, token = booked
    response = client.post(
        f"/b/{token}/screen", data={"pain_areas": ["upper_back"], "avoid_note": "knee"}
    )
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert text.count('class="error"') >= 3 and "knee" in text
    assert session.query(Screen).count() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"pain_areas": ["elbow"]}, "pain_areas"),
        ({"low_back_pain": 11}, "low_back_pain"),
        ({"low_back_pain": -1}, "low_back_pain"),
        ({"low_back_pain": "seven"}, "low_back_pain"),
        ({"conditions": ["flu"]}, "conditions"),
        ({"avoid_note": "x" * 10_000}, "avoid_note"),
        ({"leg_symptoms": None}, "leg_symptoms"),
        ({"pressure": "max"}, "pressure"),
    ],
)
def test_api_malformed_answers_are_422_naming_the_field_and_keep_the_stored_screen(
    client, booked, session, change, field
):
    _, _, token = booked
    assert client.put(f"/api/v1/bookings/{token}/screen", json=JSON_SEVERE).status_code == 200
    response = client.put(f"/api/v1/bookings/{token}/screen", json={**JSON_SEVERE, **change})
    assert response.status_code == 422
    assert field in response.json["errors"]
    screen = session.query(Screen).one()
    assert (screen.rule, screen.avoid_note) == ("R5", "right shoulder")


def test_api_missing_field_is_named(client, booked):
    _, _, token = booked
    body = {k: v for k, v in JSON_SEVERE.items() if k != "red_flags"}
    response = client.put(f"/api/v1/bookings/{token}/screen", json=body)
    assert response.status_code == 422 and "red_flags" in response.json["errors"]


def test_api_answer_and_booking_shape(client, booked):
    _, _, token = booked
    response = client.put(f"/api/v1/bookings/{token}/screen", json=JSON_SEVERE)
    assert response.json["screen"]["done"] is True
    assert not any(word in response.json["screen"]["advice"].lower() for word in FORBIDDEN)
    assert client.get(f"/api/v1/bookings/{token}").json["booking"]["screen_done"] is True


def sign_in(client, user):
    client.post("/login", data={"email": user.email, "password": PASSWORD})


def test_a_coordinator_gets_no_answer_or_outcome_anywhere(client, make, booked, session):
    event, booking, token = booked
    client.put(f"/api/v1/bookings/{token}/screen", json=JSON_SEVERE)
    coordinator, api_token = make.user("coordinator", company=event.company, api_token=True)
    sign_in(client, coordinator)
    assert client.get(f"/staff/bookings/{booking.id}/card").status_code == 404
    assert client.post(f"/staff/bookings/{booking.id}/answers").status_code == 404
    pages = [client.get("/staff"), client.get(f"/staff/events/{event.id}")]
    api = [client.get("/api/v1/me", headers={"Authorization": f"Bearer {api_token}"})]
    for response in pages + api:
        assert response.status_code == 200
        text = response.get_data(as_text=True).lower()
        for secret in ("glute", "r5", "right shoulder", "firm pressure", "low_back", "exception"):
            assert secret not in text, (response.request.path, secret)
    assert session.query(AuditEntry).count() == 0


def test_the_events_therapist_sees_the_card_and_answers_with_an_audit_entry(
    client, make, booked, session
):
    event, booking, token = booked
    client.put(f"/api/v1/bookings/{token}/screen", json=JSON_SEVERE)
    therapist = make.user("therapist")
    event.chairs[0].therapist = therapist
    session.commit()
    sign_in(client, therapist)
    card = client.get(f"/staff/bookings/{booking.id}/card").get_data(as_text=True)
    assert "Glute exception" in card and "sciatic notch" in card and "right shoulder" in card
    assert "low_back_pain" not in card
    answers = client.post(f"/staff/bookings/{booking.id}/answers").get_data(as_text=True)
    assert "low back pain" in answers
    assert session.query(AuditEntry).one().action == "screen.answers_viewed"


def test_a_therapist_of_another_event_gets_404(client, make, booked, session):
    _, booking, _ = booked
    other_event = make.event()
    stranger = make.user("therapist")
    other_event.chairs[0].therapist = stranger
    session.commit()
    sign_in(client, stranger)
    assert client.get(f"/staff/bookings/{booking.id}/card").status_code == 404
    assert client.post(f"/staff/bookings/{booking.id}/answers").status_code == 404
