"""Changing an event's date, hours or chairs after people booked: nothing is dropped silently."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from chairops.errors import EventConflict, ScheduleConflict, ValidationError
from chairops.events.changes import cancel_event, change_schedule
from chairops.messaging import notify
from chairops.messaging.notify import TextSettings
from chairops.models import (
    AuditEntry,
    Booking,
    Chair,
    Message,
    OptOut,
    Slot,
    WaitlistEntry,
    utcnow,
)
from tests.factories import phone

pytestmark = pytest.mark.usefixtures("backend")
CFG = TextSettings("https://chairops.example", "chairops")


def slots_of(session, event):
    return session.scalar(select(func.count(Slot.id)).where(Slot.event_id == event.id))


def snapshot(session, event):
    """Everything a refused change must leave alone."""
    bookings = session.scalars(select(Booking).where(Booking.event_id == event.id))
    return (
        slots_of(session, event),
        (event.date, event.start_time, event.end_time, event.chairs_count),
        sorted((b.id, b.slot_id, b.status) for b in bookings),
        session.scalar(select(func.count(Message.id))),
    )


def starts(session, event):
    """The event's start times, soonest first (two chairs per start with the defaults)."""
    rows = session.scalars(
        select(Slot.starts_at).where(Slot.event_id == event.id).distinct().order_by(Slot.starts_at)
    )
    return list(rows)


def book(make, session, event, n, start=None, name="Alex Attendee"):
    """A booking with its confirmation, reminder and "up next" texts, as the phone page makes."""
    booking, token = make.booking(event, n, start=start, name=name)
    notify.booked(session, booking, token, CFG, utcnow())
    session.commit()
    return booking


def book_both_chairs(make, session, event, at, first=0):
    """One person on each chair at this start; returns {chair number: booking}."""
    people = [book(make, session, event, first + n, at, f"Person {first + n}") for n in (0, 1)]
    return {b.slot.chair.number: b for b in people}


def pending(session, booking_phone, kinds=("reminder", "up_next")):
    return list(
        session.scalars(
            select(Message.kind).where(
                Message.to == booking_phone, Message.kind.in_(kinds), Message.status == "pending"
            )
        )
    )


def test_more_chairs_and_longer_hours_keep_every_booking_and_add_slots(make, session):
    event = make.event(chairs=2)  # 10:00-12:00, 15 + 5 minutes: 6 starts x 2 chairs
    assert slots_of(session, event) == 12
    people = [book(make, session, event, n) for n in range(3)]
    held = sorted((b.id, b.slot_id, b.status) for b in people)
    coordinator = make.user("coordinator", company=event.company)

    more = change_schedule(session, event, {"chairs": "3"}, coordinator, utcnow(), CFG)
    session.commit()
    assert (more.added, more.removed, more.cancelled, more.changed) == (6, 0, 0, ["chairs"])
    assert slots_of(session, event) == 18 and event.chairs_count == 3
    chairs = session.scalars(select(Chair.number).where(Chair.event_id == event.id))
    assert sorted(chairs) == [1, 2, 3]

    raw = {"start_time": "09:00", "end_time": "13:00"}
    longer = change_schedule(session, event, raw, coordinator, utcnow(), CFG)
    session.commit()
    assert (longer.added, longer.removed, longer.cancelled) == (18, 0, 0)  # 6 new starts x 3
    assert slots_of(session, event) == 36
    assert sorted((b.id, b.slot_id, b.status) for b in people) == held
    assert all(pending(session, b.phone) for b in people)  # their reminders stay
    assert session.scalar(select(func.count()).where(Message.kind == "event_changed")) == 0
    entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    assert [e.action for e in entries] == ["event.schedule_changed"] * 2
    assert entries[0].detail["before"] == {"chairs": 2}
    assert entries[0].detail["after"] == {"chairs": 3}
    assert entries[0].detail["slots_added"] == 6
    assert entries[1].detail["after"] == {"start_time": "09:00", "end_time": "13:00"}
    assert entries[1].detail["bookings_cancelled"] == 0


@pytest.mark.parametrize(
    ("raw", "who"),
    [
        ({"chairs": "1"}, "chair 2 at both starts"),
        ({"end_time": "10:30"}, "both chairs at the second start"),
    ],
)
def test_shrinking_below_booked_slots_is_refused_and_names_the_people(make, session, raw, who):
    event = make.event(chairs=2)
    first, second = starts(session, event)[:2]
    early = book_both_chairs(make, session, event, first)
    late = book_both_chairs(make, session, event, second, first=2)
    expected = [early[2], late[2]] if raw.get("chairs") else [late[1], late[2]]
    before = snapshot(session, event)

    with pytest.raises(ScheduleConflict) as caught:
        change_schedule(session, event, raw, make.user("admin"), utcnow(), CFG)
    assert caught.value.status == 409 and caught.value.problem == "bookings-affected"
    listed = [(a.booking_id, a.name, a.start, a.chair) for a in caught.value.affected]
    assert listed == [(b.id, b.name, b.slot.starts_at, b.slot.chair.number) for b in expected], who
    assert "2 people are booked" in caught.value.detail
    assert not session.new and not session.dirty and not session.deleted
    session.rollback()
    assert snapshot(session, event) == before
    assert session.scalar(select(func.count(AuditEntry.id))) == 0


def test_confirming_cancels_exactly_those_people_and_texts_them(make, session):
    event = make.event(chairs=2)
    first, second = starts(session, event)[:2]
    early = book_both_chairs(make, session, event, first)
    late = book_both_chairs(make, session, event, second, first=2)
    dropped, kept = [early[2], late[2]], [early[1], late[1]]
    dropped_ids, dropped_phones = [b.id for b in dropped], [b.phone for b in dropped]
    session.add(OptOut(phone=late[2].phone, source="stop_reply"))
    session.commit()
    assert all(pending(session, phone) for phone in dropped_phones)
    held = sorted((b.id, b.slot_id) for b in kept)

    result = change_schedule(
        session, event, {"chairs": "1"}, make.user("admin"), utcnow(), CFG, confirm=True
    )
    session.commit()
    assert (result.cancelled, result.texted, result.removed, result.added) == (2, 1, 6, 0)
    remaining = session.scalars(select(Booking).where(Booking.event_id == event.id))
    assert sorted((b.id, b.slot_id, b.status) for b in remaining) == [
        (i, s, "booked") for i, s in held
    ]
    assert slots_of(session, event) == 6 and event.chairs_count == 1
    texts = list(session.scalars(select(Message).where(Message.kind == "event_changed")))
    assert [m.to for m in texts] == [early[2].phone]  # the opted-out number gets nothing
    assert "is cancelled" in texts[0].body and "sorry" in texts[0].body
    assert f"/e/{event.share_token}" in texts[0].body and len(texts[0].body) <= 320
    assert all(pending(session, phone) == [] for phone in dropped_phones)
    assert all(pending(session, b.phone) for b in kept)
    entry = session.scalar(select(AuditEntry))
    assert entry.action == "event.schedule_changed"
    assert entry.detail["bookings_cancelled"] == 2 and entry.detail["slots_removed"] == 6
    assert [c["booking_id"] for c in entry.detail["cancelled"]] == dropped_ids
    assert [c["name"] for c in entry.detail["cancelled"]] == ["Person 1", "Person 3"]


def test_a_booking_whose_slot_only_changes_length_is_cancelled_and_kept(make, session):
    event = make.event(chairs=1)
    first = starts(session, event)[0]
    booking = book(make, session, event, 1, start=first)
    raw = {"slot_minutes": "20"}
    with pytest.raises(ScheduleConflict):
        change_schedule(session, event, raw, make.user("admin"), utcnow(), CFG)
    session.rollback()
    result = change_schedule(session, event, raw, make.user("admin"), utcnow(), CFG, confirm=True)
    session.commit()
    # 25-minute steps: 10:00 and 11:40 keep their start, the four between disappear.
    assert (result.resized, result.removed, result.cancelled, result.texted) == (2, 4, 1, 1)
    session.refresh(booking)
    assert booking.status == "cancelled" and booking.status_changed_at is not None
    assert booking.slot.ends_at - booking.slot.starts_at == dt.timedelta(minutes=20)


def test_a_new_date_with_bookings_is_refused_unless_confirmed(make, session):
    event = make.event(chairs=2)
    booking = book(make, session, event, 1)
    new_day = (event.date + dt.timedelta(days=2)).isoformat()
    admin = make.user("admin")

    with pytest.raises(ScheduleConflict) as caught:
        change_schedule(session, event, {"date": new_day}, admin, utcnow(), CFG)
    assert [a.booking_id for a in caught.value.affected] == [booking.id]
    assert "1 person is booked" in caught.value.detail
    session.rollback()

    result = change_schedule(session, event, {"date": new_day}, admin, utcnow(), CFG, confirm=True)
    session.commit()
    assert event.date.isoformat() == new_day
    assert (result.added, result.removed, result.cancelled) == (12, 12, 1)
    assert session.scalar(select(func.count(Booking.id)).where(Booking.status != "cancelled")) == 0
    zone = ZoneInfo(event.timezone)
    assert {s.astimezone(zone).date() for s in starts(session, event)} == {event.date}
    assert (
        session.scalar(select(Message.to).where(Message.kind == "event_changed")) == booking.phone
    )


def test_a_confirmation_covers_only_the_bookings_the_coordinator_saw(make, session):
    event = make.event(chairs=2)
    first = starts(session, event)[0]
    seen = book_both_chairs(make, session, event, first)
    with pytest.raises(ScheduleConflict) as caught:
        change_schedule(
            session, event, {"chairs": "1"}, make.user("admin"), utcnow(), CFG,
            confirm=True, confirmed_ids=[seen[1].id],
        )  # fmt: skip
    assert "meanwhile" in caught.value.detail
    assert [a.booking_id for a in caught.value.affected] == [seen[2].id]
    session.rollback()
    result = change_schedule(
        session, event, {"chairs": "1"}, make.user("admin"), utcnow(), CFG,
        confirm=True, confirmed_ids=[seen[2].id],
    )  # fmt: skip
    assert result.cancelled == 1


@pytest.mark.parametrize("status", ["in_service", "completed", "no_show"])
def test_a_time_already_used_at_the_chair_blocks_the_change(make, session, status):
    event = make.event(chairs=2)
    first = starts(session, event)[0]
    used = book_both_chairs(make, session, event, first)[2]
    used.status = status
    session.commit()
    before = snapshot(session, event)
    with pytest.raises(EventConflict) as caught:
        change_schedule(
            session, event, {"chairs": "1"}, make.user("admin"), utcnow(), CFG, confirm=True
        )
    assert used.name in caught.value.detail and "chair 2" in caught.value.detail
    session.rollback()
    assert snapshot(session, event) == before


def test_a_draft_without_bookings_changes_freely(make, session):
    event = make.event(chairs=3, publish=False)
    result = change_schedule(
        session, event, {"chairs": 1, "end_time": "11:00"}, make.user("admin"), utcnow()
    )
    session.commit()
    assert (result.removed, result.added, result.cancelled) == (15, 0, 0)
    assert slots_of(session, event) == 3 and len(event.chairs) == 1


def test_nothing_to_change_writes_nothing(make, session):
    event = make.event()
    result = change_schedule(session, event, {"chairs": "2"}, make.user("admin"), utcnow(), CFG)
    assert result.changed == [] and result.added == result.removed == 0
    assert session.scalar(select(func.count(AuditEntry.id))) == 0


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"end_time": "09:00"}, "end_time"),
        ({"chairs": "0"}, "chairs"),
        ({"slot_minutes": "abc"}, "slot_minutes"),
        ({"date": "2001-01-01"}, "date"),
        ({"timezone": "Mars/Base"}, "timezone"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(make, session, raw, field):
    event = make.event()
    make.booking(event, 1)
    before = snapshot(session, event)
    with pytest.raises(ValidationError) as caught:
        change_schedule(session, event, raw, make.user("admin"), utcnow(), CFG)
    assert field in caught.value.errors
    session.rollback()
    assert snapshot(session, event) == before


def test_a_cancelled_event_cannot_be_rescheduled(make, session):
    event = make.event()
    admin = make.user("admin")
    cancel_event(session, event, admin, utcnow(), CFG)
    session.commit()
    with pytest.raises(EventConflict):
        change_schedule(session, event, {"chairs": "3"}, admin, utcnow(), CFG)


@pytest.mark.parametrize("local_hour", [3, 14])
def test_removed_slots_end_their_open_offer_and_finished_entries_stay_finished(
    make, session, local_hour
):
    """The change is made the day before, at night (offers wait for texting hours) and in the
    afternoon (the person whose offer ended is offered a chair that still exists)."""
    event = make.event(chairs=2)
    when = dt.datetime.combine(
        event.date - dt.timedelta(days=1), dt.time(local_hour), ZoneInfo(event.timezone)
    ).astimezone(dt.UTC)
    last = starts(session, event)[-1]
    slot_ids = list(session.scalars(select(Slot.id).where(Slot.starts_at == last)))
    entries = [
        WaitlistEntry(
            event_id=event.id,
            name=f"W{n}",
            phone=phone(50 + n),
            sms_consent_at=when,
            position=n,
            status=status,
            token_hash=f"hash{n}",
            offered_slot_id=slot_id,
            offered_at=when,
            offer_expires_at=when + dt.timedelta(minutes=10),
        )  # fmt: skip
        for n, (status, slot_id) in enumerate(zip(("offered", "expired"), slot_ids, strict=True))
    ]
    session.add_all(entries)
    session.commit()
    change_schedule(session, event, {"end_time": "11:40"}, make.user("admin"), when, CFG)
    session.commit()
    remaining = set(session.scalars(select(Slot.id).where(Slot.event_id == event.id)))
    assert not remaining & set(slot_ids)
    first, finished = entries
    assert (finished.status, finished.offered_slot_id) == ("expired", None)
    if local_hour == 3:
        assert (first.status, first.offered_slot_id) == ("waiting", None)
    else:
        assert first.status == "offered" and first.offered_slot_id in remaining
