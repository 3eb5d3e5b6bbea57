"""When a therapist's tap is allowed, said on the venue's clock; and the step timer. Pure."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from chairops.eventday.rules import event_day
from chairops.tablet.rules import (
    Refusal,
    mm_ss,
    move_window,
    not_now_detail,
    refusal_label,
    step_clock,
    walk_in_window,
)

TZ = "America/New_York"
DAY = event_day(dt.date(2026, 12, 3), dt.time(10), dt.time(15), TZ)
BOUNDS = (DAY.day_start, DAY.day_end)
HOUR = dt.timedelta(hours=1)


def at(hhmm: str, day: int = 3) -> dt.datetime:
    clock = dt.time.fromisoformat(hhmm)
    return dt.datetime.combine(dt.date(2026, 12, day), clock, tzinfo=ZoneInfo(TZ)).astimezone(
        dt.UTC
    )


SLOT = at("13:00")


@pytest.mark.parametrize(
    ("wanted", "now", "expected", "verdict"),
    [
        # The bug: a 1:00 PM booking checked in, started and completed at 8 PM the evening before.
        ("checked_in", at("20:00", day=2), SLOT, Refusal("checked_in", at("12:00"), "lead", 60)),
        ("in_service", at("20:00", day=2), SLOT, Refusal("in_service", at("12:00"), "lead", 60)),
        ("checked_in", at("11:59"), SLOT, Refusal("checked_in", at("12:00"), "lead", 60)),
        ("checked_in", at("12:00"), SLOT, None),
        ("in_service", at("13:30"), SLOT, None),
        ("checked_in", at("23:59"), SLOT, None),  # late on the day, still the day
        ("checked_in", at("00:00", day=4), SLOT, Refusal("checked_in", None, "day_over")),
        ("no_show", at("12:59"), SLOT, Refusal("no_show", SLOT, "start")),
        ("no_show", at("13:00"), SLOT, None),
        # Running 15 minutes late: nobody is a no-show before their expected time.
        ("no_show", at("13:10"), at("13:15"), Refusal("no_show", at("13:15"), "start")),
        ("no_show", at("13:15"), at("13:15"), None),
        ("no_show", at("09:00", day=4), SLOT, Refusal("no_show", None, "day_over")),
        ("completed", at("20:00", day=2), SLOT, None),  # follows a start, itself in its window
    ],
)
def test_move_windows(wanted, now, expected, verdict):
    assert move_window(wanted, now, BOUNDS, SLOT, expected, HOUR) == verdict


def test_a_booking_just_after_midnight_checks_in_no_earlier_than_the_day():
    early = at("00:30")
    refusal = move_window("checked_in", at("23:50", day=2), BOUNDS, early, early, HOUR)
    assert refusal.at == DAY.day_start


def test_the_lead_is_a_setting():
    lead = dt.timedelta(minutes=15)
    assert move_window("checked_in", at("12:40"), BOUNDS, SLOT, SLOT, lead).at == at("12:45")
    assert move_window("checked_in", at("12:45"), BOUNDS, SLOT, SLOT, lead) is None


@pytest.mark.parametrize(
    ("now", "verdict"),
    [
        (at("20:00", day=2), Refusal("walk_in", DAY.opens, "opening")),
        (at("09:59"), Refusal("walk_in", DAY.opens, "opening")),
        (at("10:00"), None),
        (at("14:59"), None),
        (at("15:00"), Refusal("walk_in", None, "closed")),
    ],
)
def test_walk_ins_only_while_the_event_is_open(now, verdict):
    assert walk_in_window(now, DAY.opens, DAY.closes) == verdict


@pytest.mark.parametrize(
    ("refusal", "now", "detail", "label"),
    [
        (
            Refusal("checked_in", at("12:00"), "lead", 60),
            at("20:00", day=2),
            "Not yet: checking in is possible from 12:00 PM on Thu 3 Dec "
            "(60 minutes before the booking).",
            "from Thu 3 Dec",
        ),
        (
            Refusal("no_show", at("13:15"), "start"),
            at("13:00"),
            "Not yet: marking a no-show is possible from 1:15 PM, when this person was due "
            "in the chair.",
            "from 1:15 PM",
        ),
        (
            Refusal("walk_in", DAY.opens, "opening"),
            at("08:00"),
            "Not yet: adding walk-ins is possible from 10:00 AM, when the event opens.",
            "from 10:00 AM",
        ),
        (
            Refusal("walk_in", None, "closed"),
            at("16:00"),
            "The event has closed: adding walk-ins is over for today.",
            "closed",
        ),
        (
            Refusal("checked_in", None, "day_over"),
            at("08:00", day=4),
            "The event's day is over: checking in is no longer possible.",
            "day over",
        ),
    ],
)
def test_refusals_say_when_on_the_venues_clock(refusal, now, detail, label):
    assert not_now_detail(refusal, TZ, now) == detail
    assert refusal_label(refusal, TZ, now) == label


STEPS = [1, 2, 2.5, 2.5, 2.5, 2, 1.5, 1]  # the glute exception card, 15 minutes
START = at("10:02")


@pytest.mark.parametrize(
    ("seconds", "current", "left"),
    [
        (0, 0, 60),
        (59, 0, 1),
        (60, 1, 120),
        (6 * 60 + 10, 3, 110),
        (14 * 60 + 59, 7, 1),
        (15 * 60, 7, 0),
        (20 * 60, 7, 0),
    ],  # fmt: skip
)
def test_the_step_timer_finds_the_step_to_be_on(seconds, current, left):
    clock = step_clock(STEPS, START, START + dt.timedelta(seconds=seconds))
    assert (clock.current, clock.left) == (current, left)
    assert clock.overtime == (seconds >= 15 * 60)
    assert clock.spans[3] == (330.0, 480.0)
    assert clock.starts()[3] == START + dt.timedelta(minutes=5, seconds=30)


def test_before_the_start_the_timer_only_plans():
    clock = step_clock(STEPS, None, START)
    assert (clock.current, clock.elapsed, clock.left) == (None, None, None)
    assert clock.starts() == [None] * 8 and clock.spans[-1] == (840.0, 900.0)
    # A server clock a moment behind the session's start: the first step, not an error.
    assert step_clock(STEPS, START, START - dt.timedelta(seconds=2)).current == 0
    assert step_clock([], START, START).current is None
    assert [mm_ss(s) for s in (0, 59, 330, 840.5)] == ["0:00", "0:59", "5:30", "14:00"]
