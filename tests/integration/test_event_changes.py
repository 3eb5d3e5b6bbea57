"""Cancelling an event or changing its place: bookings, texts and the audit log."""

import pytest
from sqlalchemy import select

from chairops.errors import ValidationError
from chairops.events.changes import cancel_event, update_details
from chairops.messaging.notify import TextSettings
from chairops.models import AuditEntry, Message, OptOut, utcnow

pytestmark = pytest.mark.usefixtures("backend")
CFG = TextSettings("https://chairops.example", "chairops")


def kinds_for(session, kind):
    return list(session.scalars(select(Message).where(Message.kind == kind)))


def test_cancelling_texts_each_active_booking_but_not_opted_out_numbers(make, session):
    event = make.event(chairs=2)
    people = [make.booking(event, n)[0] for n in range(3)]
    session.add(OptOut(phone=people[2].phone, source="stop_reply"))
    session.commit()
    cancelled = cancel_event(session, event, make.user("admin"), utcnow(), CFG)
    session.commit()
    assert event.status == "cancelled" and len(cancelled) == 3
    assert {b.status for b in people} == {"cancelled"}
    texts = kinds_for(session, "event_cancelled")
    assert sorted(m.to for m in texts) == sorted(b.phone for b in people[:2])
    assert all("is cancelled" in m.body and len(m.body) <= 320 for m in texts)
    assert session.scalar(select(AuditEntry)).action == "event.cancelled"
    assert cancel_event(session, event, make.user("admin"), utcnow(), CFG) == []


def test_a_new_place_is_texted_to_everyone_booked_and_a_new_title_is_not(make, session):
    event = make.event(chairs=2)
    make.booking(event, 1)
    make.booking(event, 2)
    coordinator = make.user("coordinator", company=event.company)
    assert update_details(
        session, event, {"title": "Winter reset"}, coordinator, utcnow(), CFG
    ) == ["title"]
    assert kinds_for(session, "event_changed") == []
    changed = update_details(session, event, {"room": "Room 9"}, coordinator, utcnow(), CFG)
    session.commit()
    assert changed == ["room"]
    texts = kinds_for(session, "event_changed")
    assert len(texts) == 2 and all("Room 9, 1 Main Street" in m.body for m in texts)


def test_bad_details_are_refused_and_nothing_changes(make, session):
    event = make.event()
    with pytest.raises(ValidationError) as caught:
        update_details(session, event, {"location": ""}, make.user("admin"), utcnow(), CFG)
    assert "location" in caught.value.errors
    session.rollback()
    assert event.location == "1 Main Street"
