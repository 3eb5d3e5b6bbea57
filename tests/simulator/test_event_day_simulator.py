"""Issue 11's event-day simulator, for four venues and both 2026 clock-change days of New York,
on SQLite and PostgreSQL: after a fake clock has run from three days before the event to two
days after, every text and every booking is checked against the rules below.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections import Counter
from typing import NamedTuple
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, select

from chairops.eventday.rules import event_day
from chairops.messaging.rules import QUIET_END, QUIET_START, hold_to_quiet_hours
from chairops.models import ACTIVE_BOOKING_STATUSES, Booking, Event, Message, Slot, WaitlistEntry
from chairops.waitlist.rules import SOON
from tests.simulator.day import AFTERCARE_MINUTES, Simulator

pytestmark = pytest.mark.usefixtures("backend")

VENUES = [
    pytest.param("America/New_York", dt.date(2026, 6, 17), id="new-york"),
    pytest.param("America/Los_Angeles", dt.date(2026, 6, 17), id="los-angeles"),
    pytest.param("Asia/Kolkata", dt.date(2026, 6, 17), id="kolkata"),
    pytest.param("Pacific/Auckland", dt.date(2026, 6, 17), id="auckland"),
    pytest.param("America/New_York", dt.date(2026, 3, 8), id="new-york-clocks-forward"),
    pytest.param("America/New_York", dt.date(2026, 11, 1), id="new-york-clocks-back"),
]
LEAD = dt.timedelta(minutes=10)  # the event's "up next" lead (reminder_lead_minutes)
FINAL = ("sent", "delivered", "dropped", "cancelled", "suppressed")
OFFER_KEY = re.compile(r"waitlist:\d+:offer:(\d+):(\d{8}T\d{12})")


class Facts(NamedTuple):
    """What the window of one sent text depends on (all UTC)."""

    message: Message
    day: object  # the event's EventDay
    booking: Booking | None
    ended: dt.datetime | None  # when the booking was completed, a no-show or cancelled
    slot_start: dt.datetime | None  # the offered slot's start, for an offer
    offered_at: dt.datetime | None


def _local(moment: dt.datetime, tz: str) -> dt.time:
    return moment.astimezone(ZoneInfo(tz)).time()


def _quiet_ok(moment: dt.datetime, tz: str) -> bool:
    return QUIET_START <= _local(moment, tz) < QUIET_END


def _reminder_at(f: Facts) -> dt.datetime:
    return dt.datetime.combine(f.day.date, QUIET_START, ZoneInfo(f.day.tz)).astimezone(dt.UTC)


def _tips_due(f: Facts) -> dt.datetime:
    return f.ended + dt.timedelta(minutes=AFTERCARE_MINUTES)


def _followup_due(f: Facts) -> dt.datetime:
    return f.ended + dt.timedelta(hours=FOLLOWUP_HOURS)


# The table of rules: for each kind, the window its send time must fall in (earliest, latest,
# both inclusive) and any local-hours condition. A tick is 5 minutes on the event's morning and
# an hour otherwise, so "within the hour" is how late a text due off the busy hours may go.
HOUR = dt.timedelta(hours=1)
FOLLOWUP_HOURS = 48  # FOLLOWUP_DELAY_HOURS, the default the simulated app runs with
AFTERWARDS = ("tips", "followup")  # the only texts that go after a booking has ended
WINDOWS = {
    # kind: (earliest, latest, local-hours condition)
    "confirmation": (  # at once: it answers the person's own booking, whatever the hour
        lambda f: f.message.created_at,
        lambda f: f.message.created_at,
        lambda f: True,
    ),
    "reminder": (  # 09:00 on the event's day, before the slot and before the booking ended
        _reminder_at,
        lambda f: min(_reminder_at(f) + dt.timedelta(minutes=5), f.booking.slot.starts_at),
        lambda f: True,
    ),
    "up_next": (  # the event's day, from the lead time before the expected start, until it
        lambda f: max(f.day.day_start, f.message.valid_until - LEAD),
        lambda f: f.message.valid_until - dt.timedelta(microseconds=1),
        lambda f: True,
    ),
    "tips": (  # completion plus the aftercare delay, held to quiet hours (also at send time)
        _tips_due,
        lambda f: hold_to_quiet_hours(_tips_due(f) + HOUR, f.day.tz) + dt.timedelta(minutes=5),
        lambda f: _quiet_ok(f.message.sent_at, f.day.tz),
    ),
    "followup": (  # the two-day lower-back question: completion plus its delay, in quiet hours,
        # sent at a later tick (every 3 hours on days other than the event's)
        _followup_due,
        lambda f: hold_to_quiet_hours(_followup_due(f) + 3 * HOUR, f.day.tz) + 3 * HOUR,
        lambda f: _quiet_ok(f.message.sent_at, f.day.tz),
    ),
    "waitlist_offer": (  # when the chair was freed (or texting hours began), before it lapses
        lambda f: f.offered_at,
        lambda f: f.message.valid_until - dt.timedelta(microseconds=1),
        lambda f: _quiet_ok(f.message.sent_at, f.day.tz) or f.slot_start - f.offered_at <= SOON,
    ),
}


def facts(session, event: Event, message: Message, ended: dict) -> Facts:
    day = event_day(event.date, event.start_time, event.end_time, event.timezone)
    booking = session.get(Booking, message.booking_id) if message.booking_id else None
    slot_start = offered_at = None
    if message.kind == "waitlist_offer":
        slot_id, stamp = OFFER_KEY.match(message.idempotency_key).groups()
        slot_start = session.get(Slot, int(slot_id)).starts_at
        offered_at = dt.datetime.strptime(stamp, "%Y%m%dT%H%M%S%f").replace(tzinfo=dt.UTC)
    return Facts(message, day, booking, ended.get(message.booking_id), slot_start, offered_at)


def check_the_day(session, sim: Simulator) -> int:
    """Every rule of the issue over the outbox and the database; returns the texts checked."""
    event, log = session.get(Event, sim.event.id), sim.log
    bookings = list(session.scalars(select(Booking).where(Booking.event_id == event.id)))
    ended = {
        b.id: b.status_changed_at
        for b in bookings
        if b.status in ("completed", "no_show", "cancelled")
    }
    messages = list(session.scalars(select(Message).where(Message.event_id == event.id)))
    sent = [m for m in messages if m.status == "sent"]

    # Every text sent went inside its kind's window, on the venue's clock.
    for message in sent:
        earliest, latest, hours_ok = WINDOWS[message.kind]
        f = facts(session, event, message, ended)
        local = message.sent_at.astimezone(ZoneInfo(event.timezone))
        where = f"{message.kind} #{message.id} sent {local}"
        assert earliest(f) <= message.sent_at <= latest(f), where
        assert hours_ok(f), where

    # For every booking: exactly one confirmation (walk-ins get no texts), nothing after it
    # ended but the tips and the two-day question, nothing after "in the chair" but those.
    for booking in bookings:
        own = [m for m in sent if m.booking_id == booking.id]
        kinds = Counter(m.kind for m in own)
        expected_confirmations = 0 if booking.walk_in else 1
        assert kinds["confirmation"] == expected_confirmations, (booking.name, kinds)
        for message in own:
            if message.kind in AFTERWARDS:
                continue
            if booking.id in ended:
                assert message.sent_at <= ended[booking.id], (booking.name, message.kind)
            if booking.id in log.seated:
                assert message.sent_at <= log.seated[booking.id], (booking.name, message.kind)

    # Nothing to a number after it said STOP.
    for number, since in log.opted_out.items():
        late = [m for m in sent if m.to == number and m.sent_at >= since]
        assert late == [], f"texted {len(late)} times after STOP"
        assert any(m.to == number and m.status == "suppressed" for m in messages)

    # No double booking: one active booking per slot and per number.
    active = Booking.status.in_(ACTIVE_BOOKING_STATUSES)
    per_slot = select(Booking.slot_id, func.count()).where(Booking.event_id == event.id, active)
    assert all(n == 1 for _, n in session.execute(per_slot.group_by(Booking.slot_id)))
    per_phone = select(Booking.phone, func.count()).where(Booking.event_id == event.id, active)
    assert all(n == 1 for _, n in session.execute(per_phone.group_by(Booking.phone)))

    # Every chair freed while someone waited was offered to the line.
    offered_slots = {
        int(OFFER_KEY.match(m.idempotency_key).group(1))
        for m in messages
        if m.kind == "waitlist_offer"
    }
    for slot_id, when, waiting in log.freed:
        if waiting:
            assert slot_id in offered_slots, f"slot {slot_id} freed at {when} was not offered"
    assert len([1 for *_, waiting in log.freed if waiting]) >= 3  # cancel, free up, no-show

    # Nothing left pending, nobody left waiting: the event is over and tidied away.
    assert {m.status for m in messages} <= set(FINAL), Counter(m.status for m in messages)
    assert event.status == "completed"
    live = select(func.count()).where(
        WaitlistEntry.event_id == event.id, WaitlistEntry.status.in_(("waiting", "offered"))
    )
    assert session.scalar(live) == 0
    # The script's moments happened: early finish, late chair, no-show, walk-in, tips held.
    statuses = Counter(b.status for b in bookings)
    assert statuses["no_show"] == 1 and statuses["cancelled"] == 3, statuses
    assert any(b.walk_in and b.status == "completed" for b in bookings)
    assert any(_local(m.sent_at, event.timezone) == QUIET_START for m in sent if m.kind == "tips")
    return len(sent)


@pytest.mark.parametrize(("tz", "day"), VENUES)
@pytest.mark.usefixtures("fast_sqlite")
def test_the_event_day(app, session, make, tz, day, record_property):
    began = time.perf_counter()
    with time_machine.travel(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), tick=False) as traveller:
        sim = Simulator(app, session, make, traveller, tz, day)
        log = sim.run()
        session.expire_all()
        checked = check_the_day(session, sim)
    # Figures for the report (pytest's junit XML and -rA), never asserted on.
    record_property("texts_checked", checked)
    record_property("ticks", log.ticks)
    record_property("seconds", round(time.perf_counter() - began, 2))
    seconds = time.perf_counter() - began
    print(f"\n{tz} {day}: {log.ticks} ticks, {checked} texts checked, {seconds:.1f} s")
