"""The walk-up line on SQLite and PostgreSQL: joining, calls in join order, texts, "not here"."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from chairops import waitlist
from chairops.booking.service import Claim, claim_slot
from chairops.config import TextSettings
from chairops.errors import ValidationError, WalkUpEvent
from chairops.events.changes import change_schedule
from chairops.events.lifecycle import advance_events
from chairops.models import Booking, LineEntry, Message, Slot
from chairops.screening.service import routine_card
from chairops.seating.availability import slot_count
from chairops.tablet.service import add_walk_in, load_queue, set_status
from chairops.walkup import rules
from chairops.walkup.calls import (
    CalledAlready,
    GraceNotOver,
    LineEmpty,
    NotCalled,
    call_next,
    last_called_id,
    not_here,
)
from chairops.walkup.service import (
    AlreadyInLine,
    Joiner,
    LineClosed,
    NotALine,
    join,
    join_state,
    leave,
    place_of,
    purge_answers,
    take_screen,
)
from chairops.walkup.stats import line_console, tablet_panel
from tests.factories import phone

TEXTS = TextSettings("https://chairops.example", "chairops")
LINE = rules.LineSettings(join_early_minutes=30, grace_minutes=5, notice_place=3)
R5 = {
    "pain_areas": ["lower_back"], "low_back_pain": 8, "new_or_different": False,
    "leg_symptoms": "none", "red_flags": False, "conditions": [], "pressure": "firm",
    "avoid_note": "",
}  # fmt: skip


@pytest.fixture(autouse=True)
def _both(backend):
    return backend


def local(event, hh: int, mm: int = 0, ss: int = 0) -> dt.datetime:
    """A moment on the event's day, in its zone, as UTC."""
    moment = dt.datetime.combine(event.date, dt.time(hh, mm, ss), tzinfo=ZoneInfo(event.timezone))
    return moment.astimezone(dt.UTC)


def line_event(make, **fields):
    """A published walk-up line: 2 chairs, 10:00 to 14:00, 15-minute sessions, 5 between."""
    defaults = {"chairs": 2, "start_time": "10:00", "end_time": "14:00"}
    return make.event(kind="line", **(defaults | fields))


def join_n(session, event, count: int, start, kiosk_every: int = 0) -> list[LineEntry]:
    """`count` people join a second apart; returns them in join order."""
    entries = []
    for n in range(1, count + 1):
        kiosk = bool(kiosk_every) and n % kiosk_every == 0
        who = Joiner(f"Person {n}") if kiosk else Joiner(f"Person {n}", phone(n), True)
        entry, _ = join(session, event, who, start + dt.timedelta(seconds=n), LINE, kiosk=kiosk)
        entries.append(entry)
    session.commit()
    return entries


def texts_to(session, number: str) -> list[Message]:
    return list(session.scalars(select(Message).where(Message.to == number).order_by(Message.id)))


def test_a_line_event_has_chairs_and_hours_but_no_slots(make, session):
    event = line_event(make)
    assert event.kind == "line" and len(event.chairs) == 2
    assert slot_count(session, event) == 0


def test_joining_gives_places_and_waits_in_join_order(make, session):
    event = line_event(make)
    entries = join_n(session, event, 5, local(event, 9, 40), kiosk_every=5)
    places = [place_of(session, e) for e in entries]
    assert [p.position for p in places] == [1, 2, 3, 4, 5]
    # 2 chairs, a turn every 20 minutes: the 3rd person waits about 30 minutes.
    assert [p.wait_minutes for p in places] == [10, 20, 30, 40, 50]
    assert entries[4].phone is None and entries[4].kiosk
    assert all(p.status == "waiting" for p in places)


def test_one_live_place_per_phone_is_kept_by_the_database(make, session):
    event = line_event(make)
    now = local(event, 10, 0)
    entry, _ = join(session, event, Joiner("Dana", phone(1), True), now, LINE)
    with pytest.raises(AlreadyInLine):
        join(session, event, Joiner("Dana again", phone(1), True), now, LINE)
    assert leave(session, entry, now, LINE)
    again, _ = join(session, event, Joiner("Dana", phone(1), True), now, LINE)
    assert again.id != entry.id
    session.commit()
    live = select(func.count(LineEntry.id)).where(LineEntry.status == "waiting")
    assert session.scalar(live) == 1


def test_someone_served_may_join_again(make, session):
    event = line_event(make)
    now = local(event, 10, 0)
    entry, _ = join(session, event, Joiner("Dana", phone(1), True), now, LINE)
    call_next(session, event.chairs[0], now, LINE)
    for status in ("checked_in", "in_service", "completed"):
        set_status(session, entry.booking, status, now)
    again, _ = join(session, event, Joiner("Dana", phone(1), True), local(event, 10, 30), LINE)
    session.refresh(entry)
    assert entry.status == "served" and again.status == "waiting"


@pytest.mark.parametrize(
    ("hh", "mm", "why"),
    [(9, 29, "opens at 9:30 AM"), (14, 0, "closed for this event"), (13, 45, "full")],
)
def test_joining_is_refused_outside_the_window_with_a_reason(make, session, hh, mm, why):
    event = line_event(make)
    with pytest.raises(LineClosed, match=why):
        join(session, event, Joiner("Dana", phone(1), True), local(event, hh, mm), LINE)


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "America/New_York", "Etc/GMT+12"])
def test_the_clock_leaves_a_line_open_through_its_hours_and_completes_it_after(make, session, zone):
    """Found in the demo: the lifecycle job 'closed sign-up' of a line at its opening, so the
    line turned everyone away all day. It runs here every quarter hour of the day."""
    event = line_event(make, timezone=zone)
    moments = [local(event, 9, 30) + dt.timedelta(minutes=15 * k) for k in range(17)]
    for now in moments:  # 09:30, when joining opens, to 13:30, the last turn before 14:00
        advance_events(session, now)
        session.commit()
        assert event.status == "published" and join_state(session, event, now, LINE) == "open"
    join(session, event, Joiner("Dana", phone(1), True), moments[-1], LINE)
    session.commit()
    assert join_state(session, event, local(event, 14, 0), LINE) == "over"  # by its hours
    assert advance_events(session, local(event, 23, 59)) == (0, 0)
    assert advance_events(session, local(event, 0) + dt.timedelta(days=1)) == (0, 1)
    session.commit()
    assert event.status == "completed"


def test_the_line_closes_when_it_cannot_be_served_before_closing(make, session):
    event = line_event(make, end_time="11:00")  # 60 minutes, 2 chairs, 20 per turn
    join_n(session, event, 4, local(event, 10, 0))
    with pytest.raises(LineClosed, match="full"):
        join(session, event, Joiner("Late", phone(99), True), local(event, 10, 1), LINE)


def test_bad_people_are_named_field_by_field(make, session):
    event = line_event(make)
    now = local(event, 10, 0)
    with pytest.raises(ValidationError) as caught:
        join(session, event, Joiner("", "12", "yes"), now, LINE)
    assert set(caught.value.errors) == {"name", "phone", "sms_consent"}
    with pytest.raises(ValidationError) as caught:
        join(session, event, Joiner("  "), now, LINE, kiosk=True)
    assert set(caught.value.errors) == {"name"}


def test_slot_paths_refuse_a_line_event_and_line_paths_a_slots_event(make, session):
    line, slots = line_event(make), make.event()
    now = local(line, 10, 0)
    with pytest.raises(WalkUpEvent):
        claim_slot(session, line, Claim("Dana", phone(1), "2030-01-01T10:00:00+00:00", True), now)
    with pytest.raises(WalkUpEvent):
        waitlist.join(session, line, waitlist.Joiner("Dana", phone(1), True), now)
    with pytest.raises(ValidationError, match="kiosk"):
        add_walk_in(session, line.chairs[0], "Dana", "", now)
    with pytest.raises(NotALine):
        join(session, slots, Joiner("Dana", phone(1), True), now, LINE)
    with pytest.raises(NotALine):
        call_next(session, slots.chairs[0], now, LINE)


def test_calls_take_people_in_join_order_and_seat_them_on_that_chair(make, session):
    event = line_event(make)
    entries = join_n(session, event, 3, local(event, 9, 50))
    one, two = event.chairs
    first = call_next(session, two, local(event, 10, 0), LINE)
    second = call_next(session, one, local(event, 10, 0), LINE)
    session.commit()
    assert [first.id, second.id] == [entries[0].id, entries[1].id]
    assert first.status == "called" and first.chair_number == 2
    booking = first.booking
    assert booking.walk_in and booking.status == "booked" and booking.slot.chair_id == two.id
    assert booking.slot.starts_at == local(event, 10, 0)
    assert booking.slot.ends_at == local(event, 10, 15)
    queue = load_queue(session, two)
    assert queue.focus.id == booking.id  # the tablet shows them next, with their card
    assert place_of(session, entries[2]).position == 1
    call_next(session, one, local(event, 10, 1), LINE)
    with pytest.raises(LineEmpty):
        call_next(session, one, local(event, 10, 2), LINE)


def test_calling_is_never_refused_for_the_chair_s_own_state(make, session):
    event = line_event(make)
    join_n(session, event, 3, local(event, 9, 50))
    chair = event.chairs[0]
    now = local(event, 10, 0)
    a = call_next(session, chair, now, LINE)
    set_status(session, a.booking, "checked_in", now)
    set_status(session, a.booking, "in_service", now)
    b = call_next(session, chair, now, LINE)  # the same instant: still its own slot
    c = call_next(session, chair, now, LINE)
    session.commit()
    starts = [e.booking.slot.starts_at for e in (a, b, c)]
    assert starts == sorted(set(starts)) and starts[0] == now


def test_a_second_tap_on_call_next_calls_nobody(make, session):
    event = line_event(make)
    join_n(session, event, 3, local(event, 9, 50))
    chair, now = event.chairs[0], local(event, 10, 0)
    seen = last_called_id(session, event.id, chair.number)
    first = call_next(session, chair, now, LINE, expect_last=seen)
    session.commit()
    with pytest.raises(CalledAlready):
        call_next(session, chair, now, LINE, expect_last=seen)
    session.rollback()
    assert call_next(session, chair, now, LINE, expect_last=first.id).id != first.id


def test_the_call_is_texted_in_hours_and_the_page_says_so(make, session):
    event = line_event(make)
    entries = join_n(session, event, 1, local(event, 9, 40))
    call_next(session, event.chairs[1], local(event, 10, 5), LINE, TEXTS)
    session.commit()
    (called,) = texts_to(session, phone(1))
    assert called.kind == "line_called"
    assert "Chair 2 is ready for you now. Please come within 5 minutes." in called.body
    assert called.valid_until == local(event, 10, 10)
    place = place_of(session, entries[0])
    assert (place.status, place.chair, place.position) == ("called", 2, None)


def test_nothing_is_texted_outside_the_event_hours(make, session):
    event = line_event(make)
    join_n(session, event, 5, local(event, 9, 40))
    call_next(session, event.chairs[0], local(event, 9, 55), LINE, TEXTS)  # before opening
    session.commit()
    assert session.scalar(select(func.count(Message.id))) == 0


def test_becoming_third_is_texted_once(make, session):
    event = line_event(make)
    entries = join_n(session, event, 6, local(event, 9, 40))
    chair = event.chairs[0]
    call_next(session, chair, local(event, 10, 0), LINE, TEXTS)
    session.commit()
    # After the first call, people 2, 3 and 4 are the first three: each hears their place.
    notices = {
        m.to: m.body for m in session.scalars(select(Message).where(Message.kind == "line_notice"))
    }
    assert set(notices) == {phone(2), phone(3), phone(4)}
    assert "You're 3rd in line, about 30 minutes" in notices[phone(4)]
    call_next(session, chair, local(event, 10, 20), LINE, TEXTS)
    leave(session, entries[4], local(event, 10, 21), LINE, TEXTS)
    session.commit()
    counts = dict(
        session.execute(
            select(Message.to, func.count(Message.id))
            .where(Message.kind == "line_notice")
            .group_by(Message.to)
        ).all()
    )
    # Person 5 became 3rd at the second call, then left; person 6 moved up to 3rd.
    assert counts == {phone(n): 1 for n in (2, 3, 4, 5, 6)}


def test_no_texts_without_consent_or_a_phone(make, session):
    event = line_event(make)
    now = local(event, 10, 0)
    join(session, event, Joiner("No texts", phone(1), False), now, LINE)
    join(session, event, Joiner("Kiosk"), now, LINE, kiosk=True)
    call_next(session, event.chairs[0], now, LINE, TEXTS)
    call_next(session, event.chairs[1], now, LINE, TEXTS)
    session.commit()
    assert session.scalar(select(func.count(Message.id))) == 0


def test_a_screen_taken_while_waiting_becomes_the_card_at_the_call(make, session):
    event = line_event(make)
    (entry,) = join_n(session, event, 1, local(event, 9, 40))
    outcome = take_screen(session, entry, R5, local(event, 9, 45))
    session.commit()
    assert outcome.routine == "glute_exception"
    call_next(session, event.chairs[0], local(event, 10, 0), LINE)
    session.commit()
    screen = entry.booking.screen
    assert screen.routine == "glute_exception" and screen.submitted_at == local(event, 9, 45)
    assert entry.screen_answers is None  # kept in one place only, the screen (purged later)
    card = routine_card(screen, event.slot_minutes)
    assert card.card.routine == "glute_exception"


def test_bad_screen_answers_are_named_and_the_called_cannot_retake_it(make, session):
    event = line_event(make)
    (entry,) = join_n(session, event, 1, local(event, 9, 40))
    with pytest.raises(ValidationError) as caught:
        take_screen(session, entry, R5 | {"leg_symptoms": "sideways"}, local(event, 9, 45))
    assert "leg_symptoms" in caught.value.errors
    call_next(session, event.chairs[0], local(event, 10, 0), LINE)
    with pytest.raises(Exception, match="chair"):
        take_screen(session, entry, R5, local(event, 10, 1))


def test_not_here_goes_back_behind_the_next_two_once_then_leaves(make, session):
    event = line_event(make)
    entries = join_n(session, event, 5, local(event, 9, 40))
    chair = event.chairs[0]
    missed = call_next(session, chair, local(event, 10, 0), LINE, TEXTS)
    with pytest.raises(GraceNotOver, match="10:05 AM"):
        not_here(session, missed, local(event, 10, 4), LINE, TEXTS)
    first_booking = missed.booking
    not_here(session, missed, local(event, 10, 5), LINE, TEXTS)
    session.commit()
    assert missed.status == "waiting" and first_booking.status == "cancelled"
    order = [call_next(session, chair, local(event, 10, 6 + i), LINE).id for i in range(3)]
    assert order == [entries[1].id, entries[2].id, missed.id]
    not_here(session, missed, local(event, 10, 20), LINE, TEXTS)
    session.commit()
    assert missed.status == "missed"
    bodies = [m.body for m in texts_to(session, phone(1)) if m.kind == "line_missed"]
    assert "back in line, 3rd" in bodies[0]
    assert "off the line" in bodies[1] and f"/e/{event.share_token}" in bodies[1]
    with pytest.raises(NotCalled):
        not_here(session, missed, local(event, 10, 30), LINE)


def test_not_here_keeps_the_screen_for_the_next_call(make, session):
    event = line_event(make)
    (entry,) = join_n(session, event, 1, local(event, 9, 40))
    take_screen(session, entry, R5, local(event, 9, 45))
    call_next(session, event.chairs[0], local(event, 10, 0), LINE)
    not_here(session, entry, local(event, 10, 6), LINE)
    call_next(session, event.chairs[1], local(event, 10, 7), LINE)
    session.commit()
    assert entry.booking.slot.chair.number == 2
    assert entry.booking.screen.routine == "glute_exception"


def test_not_here_after_arriving_is_refused(make, session):
    event = line_event(make)
    (entry,) = join_n(session, event, 1, local(event, 9, 40))
    call_next(session, event.chairs[0], local(event, 10, 0), LINE)
    set_status(session, entry.booking, "checked_in", local(event, 10, 2))
    with pytest.raises(NotCalled):
        not_here(session, entry, local(event, 10, 9), LINE)


def test_leaving_after_the_call_frees_the_chair(make, session):
    event = line_event(make)
    (entry,) = join_n(session, event, 1, local(event, 9, 40))
    call_next(session, event.chairs[0], local(event, 10, 0), LINE)
    assert leave(session, entry, local(event, 10, 1), LINE)
    session.commit()
    assert entry.status == "left" and entry.booking.status == "cancelled"
    assert not leave(session, entry, local(event, 10, 2), LINE)  # twice is harmless


def test_the_coordinator_sees_counts_waits_and_the_line_over_the_day(make, session):
    event = line_event(make)
    entries = join_n(session, event, 4, local(event, 9, 50))
    chair = event.chairs[0]
    a = call_next(session, chair, local(event, 10, 0), LINE)
    for status in ("checked_in", "in_service", "completed"):
        set_status(session, a.booking, status, local(event, 10, 15))
    call_next(session, chair, local(event, 10, 20), LINE)
    leave(session, entries[3], local(event, 10, 21), LINE)
    session.commit()
    console = line_console(session, event, local(event, 10, 30))
    assert (console.waiting, console.at_chairs, console.served, console.left) == (1, 1, 1, 1)
    # Waits: 9:50:01 to 10:00 and 9:50:02 to 10:20.
    assert (console.average_wait, console.longest_wait) == (20, 30)
    assert console.chart.peak == 4
    panel = tablet_panel(session, chair)
    assert panel.waiting == 1 and [e.id for e in panel.next_up] == [entries[2].id]
    assert [e.id for e in panel.called_here] == [entries[1].id]


def test_changing_a_line_event_s_hours_keeps_its_called_people(make, session):
    event = line_event(make, chairs=3)
    join_n(session, event, 2, local(event, 9, 50))
    call_next(session, event.chairs[2], local(event, 10, 0), LINE)
    session.commit()
    admin = make.user("admin")
    change_schedule(session, event, {"end_time": "16:00", "chairs": 4}, admin, local(event, 10, 1))
    session.commit()
    assert len(event.chairs) == 4 and session.scalar(select(func.count(Slot.id))) == 1
    with pytest.raises(Exception, match="Chair 3"):
        change_schedule(session, event, {"chairs": 2}, admin, local(event, 10, 2))


def test_answers_of_people_never_called_are_purged(make, session):
    event = line_event(make)
    (entry,) = join_n(session, event, 1, local(event, 9, 40))
    take_screen(session, entry, R5, local(event, 9, 45))
    session.commit()
    assert purge_answers(session, local(event, 12, 0), retention_days=7) == 0
    assert purge_answers(session, local(event, 12, 0) + dt.timedelta(days=9), 7) == 1
    session.commit()
    session.refresh(entry)
    assert entry.screen_answers is None
    assert session.scalar(select(func.count(Booking.id))) == 0
