"""The staff page that changes an event's date, hours or chairs."""

import re

from sqlalchemy import func, select

from chairops.models import AuditEntry, Booking, Event, Message, Slot
from chairops.tablet.service import assign_therapist
from tests.factories import PASSWORD


def sign_in(client, user):
    return client.post("/login", data={"email": user.email, "password": PASSWORD})


def form_of(event, **changes):
    base = {
        "date": event.date.isoformat(), "start_time": "10:00", "end_time": "12:00",
        "timezone": event.timezone, "chairs": "2", "slot_minutes": "15", "buffer_minutes": "5",
    }  # fmt: skip
    return base | changes


def slots_of(session, event_id):
    return session.scalar(select(func.count(Slot.id)).where(Slot.event_id == event_id))


def test_the_page_is_prefilled_and_linked_from_the_event(client, make):
    event = make.event(chairs=3, start_time="09:30")
    sign_in(client, make.user("coordinator", company=event.company))
    detail = client.get(f"/staff/events/{event.id}").get_data(as_text=True)
    assert f'href="/staff/events/{event.id}/edit"' in detail
    page = client.get(f"/staff/events/{event.id}/edit")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'name="chairs"' in text and 'value="3"' in text and 'value="09:30"' in text
    assert f'value="{event.date.isoformat()}"' in text
    assert "confirm_cancellations" not in text


def test_more_chairs_are_saved_and_every_booking_is_kept(client, make, session):
    event = make.event(chairs=2)
    booking, _ = make.booking(event, 1)
    slot_id = booking.slot_id
    sign_in(client, make.user("coordinator", company=event.company))
    saved = client.post(f"/staff/events/{event.id}/edit", data=form_of(event, chairs="3"))
    assert saved.status_code == 302 and saved.headers["Location"] == f"/staff/events/{event.id}"
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Saved. 6 slots added; every booking kept." in page
    assert slots_of(session, event.id) == 18
    assert session.scalar(select(Booking.slot_id).where(Booking.id == booking.id)) == slot_id


def test_fewer_chairs_list_the_people_with_409_then_confirming_cancels_them(client, make, session):
    event = make.event(chairs=2)
    start = next(iter(session.scalars(select(Slot.starts_at).order_by(Slot.starts_at))))
    kept, _ = make.booking(event, 1, start=start, name="Kim Kept")
    dropped, _ = make.booking(event, 2, start=start, name="Dana Dropped")
    if dropped.slot.chair.number == 1:
        kept, dropped = dropped, kept
    sign_in(client, make.user("coordinator", company=event.company))
    form = form_of(event, chairs="1")

    refused = client.post(f"/staff/events/{event.id}/edit", data=form)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "1 booked person would lose their time" in text
    assert dropped.name in text and kept.name not in text and "Chair 2" in text
    assert "10:00 AM" in text
    assert 'name="confirm_cancellations"' in text and "Cancel this booking and text" in text
    assert f'name="cancel_ids" value="{dropped.id}"' in text
    assert re.search(r'name="chairs"[^>]*value="1"', text)  # the coordinator's input stays
    assert slots_of(session, event.id) == 12
    assert session.scalar(select(Event.chairs_count).where(Event.id == event.id)) == 2

    ids = re.findall(r'name="cancel_ids" value="(\d+)"', text)
    confirmed = form | {"confirm_cancellations": "yes", "cancel_ids": ids}
    saved = client.post(f"/staff/events/{event.id}/edit", data=confirmed)
    assert saved.status_code == 302
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "1 booking cancelled; that person is being texted." in page
    assert slots_of(session, event.id) == 6
    assert session.scalar(select(Booking.status).where(Booking.id == kept.id)) == "booked"
    assert session.scalar(select(Message.to).where(Message.kind == "event_changed")) == (
        dropped.phone
    )
    assert session.scalar(select(AuditEntry.action)) == "event.schedule_changed"


def test_bad_input_gives_422_naming_the_fields_and_keeps_the_event(client, make, session):
    event = make.event()
    sign_in(client, make.user("coordinator", company=event.company))
    bad = form_of(event, end_time="09:00", chairs="0", date="not a date")
    response = client.post(f"/staff/events/{event.id}/edit", data=bad)
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The end must be after the start." in text
    assert "Give a whole number from 1 to 30." in text
    # The date box shows the browser's own format, so the message names a date, not ISO (13.8).
    assert "Enter a date, for example" in text and "YYYY-MM-DD" not in text
    assert 'value="not a date"' in text
    assert slots_of(session, event.id) == 12
    assert session.scalar(select(func.count(AuditEntry.id))) == 0


def test_another_companys_coordinator_and_therapists_get_404(client, make, session):
    event = make.event()
    sign_in(client, make.user("coordinator"))
    assert client.get(f"/staff/events/{event.id}/edit").status_code == 404
    posted = client.post(f"/staff/events/{event.id}/edit", data=form_of(event, chairs="1"))
    assert posted.status_code == 404
    assert client.get("/staff/events/999999/edit").status_code == 404
    therapist = make.user("therapist")
    assign_therapist(session, event, 1, therapist.id)
    session.commit()
    client.post("/logout")
    sign_in(client, therapist)
    assert client.get(f"/staff/events/{event.id}").status_code == 200  # they see the event
    assert client.get(f"/staff/events/{event.id}/edit").status_code == 404
    assert slots_of(session, event.id) == 12


def test_a_cancelled_event_sends_the_coordinator_back_with_a_reason(client, make, session):
    event = make.event()
    sign_in(client, make.user("coordinator", company=event.company))
    client.post(f"/staff/events/{event.id}/cancel", data={"confirm": "yes"})
    response = client.post(f"/staff/events/{event.id}/edit", data=form_of(event, chairs="3"))
    assert response.status_code == 302
    assert "A cancelled event cannot be changed." in client.get(response.headers["Location"]).text
    assert slots_of(session, event.id) == 12
