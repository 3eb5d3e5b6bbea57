"""PATCH /api/v1/events/{id}: change an event; bookings in removed times need a confirmation."""

from sqlalchemy import func, select

from chairops.models import Booking, Message, Slot


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def slots_of(session, event_id):
    return session.scalar(select(func.count(Slot.id)).where(Slot.event_id == event_id))


def test_more_chairs_answer_200_with_the_event(client, make, session):
    event = make.event(chairs=2)
    make.booking(event, 1)
    _, token = make.user("coordinator", company=event.company, api_token=True)
    response = client.patch(f"/api/v1/events/{event.id}", json={"chairs": 3}, headers=bearer(token))
    assert response.status_code == 200
    body = response.json["event"]
    assert (body["chairs"], body["slots"], body["id"]) == (3, 18, event.id)
    assert session.scalar(select(Booking.status)) == "booked"


def test_removed_booked_times_are_409_until_confirmed(client, make, session):
    event = make.event(chairs=1)
    phone = make.booking(event, 1, name="Robin Early")[0].phone
    _, token = make.user("coordinator", company=event.company, api_token=True)
    change = {"start_time": "11:00", "room": "Room 2"}

    refused = client.patch(f"/api/v1/events/{event.id}", json=change, headers=bearer(token))
    assert refused.status_code == 409
    assert refused.mimetype == "application/problem+json"
    assert refused.json["type"] == "/problems/bookings-affected"
    assert refused.json["affected"] == [
        {"name": "Robin Early", "start": refused.json["affected"][0]["start"], "chair": 1}
    ]
    assert refused.json["affected"][0]["start"].endswith(("-05:00", "-04:00"))
    assert "T10:00:00" in refused.json["affected"][0]["start"]
    assert slots_of(session, event.id) == 6
    assert session.scalar(select(Booking.status)) == "booked"

    confirmed = change | {"confirm_cancellations": True}
    saved = client.patch(f"/api/v1/events/{event.id}", json=confirmed, headers=bearer(token))
    assert saved.status_code == 200
    assert (saved.json["event"]["start_time"], saved.json["event"]["room"]) == ("11:00", "Room 2")
    assert slots_of(session, event.id) == 3
    assert session.scalar(select(func.count(Booking.id))) == 0  # its slot is gone, with it
    texts = list(session.scalars(select(Message).where(Message.kind == "event_changed")))
    assert [m.to for m in texts] == [phone]


def test_bad_fields_are_422_and_other_companies_404(client, make, session):
    event = make.event()
    _, token = make.user("coordinator", company=event.company, api_token=True)
    url = f"/api/v1/events/{event.id}"
    bad = client.patch(url, json={"end_time": "09:00", "chairs": "x"}, headers=bearer(token))
    assert bad.status_code == 422 and set(bad.json["errors"]) == {"end_time", "chairs"}
    flag = client.patch(url, json={"confirm_cancellations": "yes"}, headers=bearer(token))
    assert flag.status_code == 422 and "confirm_cancellations" in flag.json["errors"]
    # A JSON array is not an object (422); the same bytes not sent as JSON are 415 (issue 12).
    as_json = {"headers": bearer(token), "content_type": "application/json"}
    assert client.patch(url, data="[1]", **as_json).status_code == 422
    assert client.patch(url, data="[1]", headers=bearer(token)).status_code == 415
    _, stranger = make.user("coordinator", api_token=True)
    assert client.patch(url, json={"chairs": 3}, headers=bearer(stranger)).status_code == 404
    assert client.patch(url, json={"chairs": 3}).status_code == 401
    assert slots_of(session, event.id) == 12
