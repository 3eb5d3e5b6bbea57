"""Slot generation: tables of cases, including both clock-change days in New York."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from chairops.events.rules import Break, generate_slots

NY = ZoneInfo("America/New_York")
T = dt.time


def local_starts(slots, chair=1, tz=NY):
    return [s.start.astimezone(tz).strftime("%H:%M") for s in slots if s.chair == chair]


@pytest.mark.parametrize(
    ("start", "end", "slot", "buffer", "expected"),
    [
        (T(10), T(11), 15, 0, ["10:00", "10:15", "10:30", "10:45"]),
        (T(10), T(11), 15, 5, ["10:00", "10:20", "10:40"]),
        # 70 minutes does not divide into 20-minute slots: the last partial slot is dropped.
        (T(10), T(11, 10), 20, 0, ["10:00", "10:20", "10:40"]),
        (T(10), T(11, 10), 15, 10, ["10:00", "10:25", "10:50"]),
        (T(10), T(10, 14), 15, 0, []),
        (T(10), T(10, 15), 15, 0, ["10:00"]),
    ],
    ids=["even", "buffer", "uneven", "uneven-buffer", "too-short", "exactly-one"],
)
def test_slots_start_every_slot_plus_buffer_and_never_run_past_the_end(
    start, end, slot, buffer, expected
):
    slots = generate_slots(dt.date(2026, 12, 3), start, end, "America/New_York", slot, buffer, 1)
    assert local_starts(slots) == expected
    assert all(s.end - s.start == dt.timedelta(minutes=slot) for s in slots)
    if slots:
        last_end = slots[-1].end.astimezone(NY).time()
        assert last_end <= end


def test_every_chair_gets_every_start_in_order():
    slots = generate_slots(dt.date(2026, 12, 3), T(9), T(10), "America/New_York", 30, 0, 3)
    assert [(s.chair, s.start.astimezone(NY).strftime("%H:%M")) for s in slots] == [
        (1, "09:00"), (2, "09:00"), (3, "09:00"), (1, "09:30"), (2, "09:30"), (3, "09:30"),
    ]  # fmt: skip


def test_times_are_utc_and_follow_the_zone_offset():
    winter = generate_slots(dt.date(2026, 12, 3), T(9), T(9, 30), "America/New_York", 30, 0, 1)
    summer = generate_slots(dt.date(2026, 7, 3), T(9), T(9, 30), "America/New_York", 30, 0, 1)
    assert winter[0].start == dt.datetime(2026, 12, 3, 14, 0, tzinfo=dt.UTC)
    assert summer[0].start == dt.datetime(2026, 7, 3, 13, 0, tzinfo=dt.UTC)
    assert winter[0].start.tzinfo is dt.UTC


@pytest.mark.parametrize(
    ("day", "expected_local", "expected_utc_hours"),
    [
        # Spring forward: 02:00 does not exist; 01:00 to 04:00 local is two real hours.
        (dt.date(2026, 3, 8), ["01:00", "01:30", "03:00", "03:30"], [6, 6, 7, 7]),
        # Fall back: 01:00 to 02:00 happens twice; 01:00 to 04:00 local is four real hours.
        (
            dt.date(2026, 11, 1),
            ["01:00", "01:30", "01:00", "01:30", "02:00", "02:30", "03:00", "03:30"],
            [5, 5, 6, 6, 7, 7, 8, 8],
        ),
    ],
    ids=["spring-forward", "fall-back"],
)
def test_clock_change_days_give_real_length_slots_inside_local_hours(
    day, expected_local, expected_utc_hours
):
    slots = generate_slots(day, T(1), T(4), "America/New_York", 30, 0, 1)
    assert local_starts(slots) == expected_local
    assert [s.start.hour for s in slots] == expected_utc_hours
    assert all(s.end - s.start == dt.timedelta(minutes=30) for s in slots)
    assert slots[-1].end == dt.datetime.combine(day, T(4), tzinfo=NY).astimezone(dt.UTC)


@pytest.mark.parametrize("day", [dt.date(2026, 3, 8), dt.date(2026, 11, 1)])
def test_daytime_event_on_a_clock_change_day_keeps_its_local_hours(day):
    slots = generate_slots(day, T(9), T(17), "America/New_York", 15, 5, 1)
    assert local_starts(slots)[0] == "09:00"
    assert local_starts(slots)[-1] == "16:40"
    assert len(slots) == 24


def test_breaks_remove_the_slots_they_overlap():
    breaks = [Break(T(10, 30), T(11)), Break(T(10), T(10, 15), chair=2)]
    slots = generate_slots(
        dt.date(2026, 12, 3), T(10), T(11, 30), "America/New_York", 15, 0, 2, breaks
    )
    assert local_starts(slots, chair=1) == ["10:00", "10:15", "11:00", "11:15"]
    assert local_starts(slots, chair=2) == ["10:15", "11:00", "11:15"]


def test_a_break_touching_a_slot_edge_does_not_remove_it():
    slots = generate_slots(
        dt.date(2026, 12, 3), T(10), T(11), "Europe/London", 30, 0, 1, [(T(10, 30), T(10, 30))]
    )
    assert len(slots) == 2


@pytest.mark.parametrize(("slot", "buffer"), [(0, 0), (-5, 0), (15, -1)])
def test_nonsense_lengths_are_refused(slot, buffer):
    with pytest.raises(ValueError):
        generate_slots(dt.date(2026, 12, 3), T(10), T(11), "UTC", slot, buffer, 1)
