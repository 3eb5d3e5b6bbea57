"""Issue 13 at the HTTP level: cancel asks first, dead ends say what next, API dates stay ISO."""

from __future__ import annotations

from sqlalchemy import select

from chairops.models import Booking


def status_of(session, booking_id: int) -> str:
    session.expire_all()
    return session.scalar(select(Booking.status).where(Booking.id == booking_id))


def test_opening_the_cancel_page_cancels_nothing(client, make, session):
    booking, token = make.booking(make.event())
    page = client.get(f"/b/{token}/cancel")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Cancel your 10:00 AM massage?" in text and "Keep it" in text
    assert f'<form method="post" action="/b/{token}/cancel">' in text
    assert status_of(session, booking.id) == "booked"
    assert client.post(f"/b/{token}/cancel").status_code == 303
    assert status_of(session, booking.id) == "cancelled"
    # Cancelled already: the question is moot, back to the booking page.
    again = client.get(f"/b/{token}/cancel")
    assert again.status_code == 303 and again.headers["Location"].endswith(f"/b/{token}")


def test_not_found_pages_name_the_way_on(client):
    booking = client.get("/b/nothing-here").get_data(as_text=True)
    assert "link in your confirmation text" in booking
    event = client.get("/e/nothing-here")
    assert event.status_code == 404
    assert "Ask your HR coordinator for the sign-up link." in event.get_data(as_text=True)


def test_the_api_still_asks_for_iso_dates(client, make):
    _, token = make.user("coordinator", api_token=True)
    response = client.post(
        "/api/v1/events",
        json={"title": "x", "location": "y", "date": "03/12/2027", "start_time": "10:00"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422
    assert response.get_json()["errors"]["date"] == "Give the date as YYYY-MM-DD."
