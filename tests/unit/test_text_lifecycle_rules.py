"""Texts follow the booking's life: "up next" and tips timed on the venue's clock. Pure."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chairops.eventday.rules import event_day
from chairops.messaging import rules

TZ = "America/New_York"


def at(hhmm: str, day: int = 3, month: int = 12) -> dt.datetime:
    clock = dt.time.fromisoformat(hhmm)
    local = dt.datetime.combine(dt.date(2026, month, day), clock, tzinfo=ZoneInfo(TZ))
    return local.astimezone(dt.UTC)


DAY_START = event_day(dt.date(2026, 12, 3), dt.time(10), dt.time(15), TZ).day_start


@pytest.mark.parametrize(
    ("now", "slot", "late", "due"),
    [
        # Booked days ahead: ten minutes before the slot, worth sending until it starts.
        (at("12:00", day=1), at("11:30"), 0, (at("11:20"), at("11:30"))),
        # The bug: at 20:09 the evening before, never "now".
        (at("20:09", day=2), at("11:30"), 0, (at("11:20"), at("11:30"))),
        # Running 15 minutes late moves both.
        (at("10:00"), at("11:30"), 15, (at("11:35"), at("11:45"))),
        # Within the lead time already: now.
        (at("11:25"), at("11:30"), 0, (at("11:25"), at("11:30"))),
        # The expected start has passed: dropped.
        (at("11:30"), at("11:30"), 0, None),
        (at("11:40"), at("11:30"), 5, None),
        # A slot just after midnight: not before the event's day begins.
        (at("20:00", day=2), at("00:05"), 0, (DAY_START, at("00:05"))),
    ],
    ids=[
        "days-ahead",
        "evening-before",
        "late",
        "within-lead",
        "started",
        "late-started",
        "midnight",
    ],  # fmt: skip
)
def test_up_next_timing(now, slot, late, due):
    assert rules.up_next_due(now, slot, 10, late, DAY_START) == due


@pytest.mark.parametrize(
    ("completed", "delay", "due"),
    [
        (at("11:00"), 60, at("12:00")),
        (at("19:30"), 60, at("09:00", day=4)),  # 20:30 is quiet: the next morning at 09:00
        (at("08:00"), 30, at("09:00")),  # 08:30 is quiet: 09:00, never before completion
        (at("14:00"), 0, at("14:00")),
        # The bug: completed the evening before at 20:00 gave tips at 09:00, an hour before
        # the event opened; completion + delay is still the floor.
        (at("20:00", day=2), 60, at("09:00", day=3)),
        # The night the clocks go back: 09:00 EST.
        (at("21:00", day=31, month=10), 60, dt.datetime(2026, 11, 1, 14, tzinfo=dt.UTC)),
    ],
)
def test_tips_no_earlier_than_completion_and_delay_inside_quiet_hours(completed, delay, due):
    assert rules.tips_due(completed, delay, TZ) == due


@pytest.mark.parametrize(
    ("status", "withdrawn"),
    [
        ("booked", ()),
        ("checked_in", ("reminder",)),
        ("in_service", ("reminder", "up_next")),
        ("completed", ("reminder", "up_next")),
        ("no_show", ("reminder", "up_next")),
        ("cancelled", ("reminder", "up_next")),
    ],
)
def test_what_each_status_withdraws(status, withdrawn):
    assert rules.withdrawn_by(status) == withdrawn


minutes = st.integers(min_value=-3 * 24 * 60, max_value=3 * 24 * 60)


@settings(max_examples=400, deadline=None)
@given(
    now=minutes,
    slot=st.integers(min_value=0, max_value=23 * 60),
    late=st.integers(0, 120),
    lead=st.integers(1, 60),
    tz=st.sampled_from([TZ, "Asia/Kolkata", "Pacific/Auckland"]),
)
def test_up_next_is_never_early_never_stale(now, slot, late, lead, tz):
    day = event_day(dt.date(2026, 3, 8), dt.time(0), dt.time(23, 59), tz)
    start = day.day_start + dt.timedelta(minutes=slot)
    moment = day.day_start + dt.timedelta(minutes=now)
    due = rules.up_next_due(moment, start, lead, late, day.day_start)
    expected = start + dt.timedelta(minutes=late)
    if due is None:  # too late, or nothing worth sending before the day begins
        assert max(moment, day.day_start) >= expected
        return
    send_at, valid_until = due
    assert valid_until == expected and moment <= send_at < expected
    assert send_at >= day.day_start and send_at >= expected - dt.timedelta(minutes=lead)
