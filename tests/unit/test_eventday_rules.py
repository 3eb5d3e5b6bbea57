"""The event's day and hours on the venue's clock: tables, clock changes, and properties."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chairops.eventday import rules
from chairops.eventday.rules import (
    AFTER_CLOSING,
    AFTER_DAY,
    BEFORE_DAY,
    BEFORE_OPENING,
    DAY_STATES,
    OPEN,
)

ZONES = ["America/New_York", "America/Los_Angeles", "Asia/Kolkata", "Pacific/Auckland"]
UTC = dt.UTC


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def local(tz: str, *args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=ZoneInfo(tz)).astimezone(UTC)


@pytest.mark.parametrize(
    ("tz", "today"),
    [
        ("America/New_York", dt.date(2026, 12, 2)),  # 22:00 the evening before
        ("America/Los_Angeles", dt.date(2026, 12, 2)),
        ("Asia/Kolkata", dt.date(2026, 12, 3)),  # 08:30 the same morning
        ("Pacific/Auckland", dt.date(2026, 12, 3)),
        ("UTC", dt.date(2026, 12, 3)),
    ],
)
def test_today_is_the_venues_date_not_the_servers(tz, today):
    assert rules.local_today(utc(2026, 12, 3, 3, 0), tz) == today


NY_DAY = (dt.date(2026, 12, 3), dt.time(10), dt.time(15), "America/New_York")


@pytest.mark.parametrize(
    ("now", "state"),
    [
        (utc(2026, 12, 3, 1, 0), BEFORE_DAY),  # 20:00 the evening before in New York
        (local("America/New_York", 2026, 12, 3, 0, 0), BEFORE_OPENING),
        (local("America/New_York", 2026, 12, 3, 9, 59), BEFORE_OPENING),
        (local("America/New_York", 2026, 12, 3, 10, 0), OPEN),
        (local("America/New_York", 2026, 12, 3, 14, 59), OPEN),
        (local("America/New_York", 2026, 12, 3, 15, 0), AFTER_CLOSING),
        (local("America/New_York", 2026, 12, 3, 23, 59), AFTER_CLOSING),
        (local("America/New_York", 2026, 12, 4, 0, 0), AFTER_DAY),
    ],
)
def test_where_now_stands_against_the_event(now, state):
    assert rules.event_day_state(now, *NY_DAY) == state


@pytest.mark.parametrize(
    ("day", "hours_long", "opens", "closes"),
    [
        # Clocks go forward at 02:00: a 23-hour day; 01:00-04:00 lasts two hours.
        (dt.date(2026, 3, 8), 23, utc(2026, 3, 8, 6), utc(2026, 3, 8, 8)),
        # Clocks go back at 02:00: a 25-hour day; 01:00 is the first one (EDT).
        (dt.date(2026, 11, 1), 25, utc(2026, 11, 1, 5), utc(2026, 11, 1, 9)),
        (dt.date(2026, 6, 1), 24, utc(2026, 6, 1, 5), utc(2026, 6, 1, 8)),
    ],
    ids=["spring-forward", "fall-back", "summer"],
)
def test_clock_change_days_are_right_in_local_time(day, hours_long, opens, closes):
    event = rules.event_day(day, dt.time(1), dt.time(4), "America/New_York")
    assert event.day_end - event.day_start == dt.timedelta(hours=hours_long)
    assert (event.opens, event.closes) == (opens, closes)
    assert rules.local_today(event.day_start, "America/New_York") == day
    assert rules.local_today(event.day_end - dt.timedelta(seconds=1), "America/New_York") == day


def test_day_of_reads_an_event_row_and_over_means_the_local_day_has_ended():
    class Row:
        date, start_time, end_time, timezone = NY_DAY

    event = rules.day_of(Row)
    assert event.opens == local("America/New_York", 2026, 12, 3, 10)
    assert not rules.is_over(event.closes, event.date, event.tz)
    assert not rules.is_over(event.day_end - dt.timedelta(seconds=1), event.date, event.tz)
    assert rules.is_over(event.day_end, event.date, event.tz)


def test_signup_closes_a_set_time_before_opening_unless_the_event_says_otherwise():
    opens = utc(2026, 12, 3, 15)
    assert rules.signup_closes(opens) == opens - rules.SIGNUP_CLOSES_BEFORE
    own = utc(2026, 12, 2, 17)
    assert rules.signup_closes(opens, own) == own


moments = st.datetimes(
    min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2028, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=300, deadline=None)
@given(now=moments, tz=st.sampled_from([*ZONES, "Pacific/Kiritimati", "Etc/GMT+12"]))
def test_every_venues_today_is_among_the_days_around_now(now, tz):
    earliest, latest = rules.days_around(now)
    assert earliest <= rules.local_today(now, tz) <= latest


@settings(max_examples=300, deadline=None)
@given(
    day=st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2028, 12, 31)),
    start=st.integers(min_value=0, max_value=22 * 60),
    length=st.integers(min_value=15, max_value=90),
    tz=st.sampled_from(ZONES),
    offsets=st.lists(st.integers(min_value=-48 * 60, max_value=48 * 60), min_size=2, max_size=6),
)
def test_the_state_only_moves_forward_as_time_passes(day, start, length, tz, offsets):
    begin = dt.time(start // 60, start % 60)
    end_minutes = min(start + length, 23 * 60 + 59)
    end = dt.time(end_minutes // 60, end_minutes % 60)
    event = rules.event_day(day, begin, end, tz)
    nows = sorted(event.opens + dt.timedelta(minutes=m) for m in offsets)
    states = [DAY_STATES.index(event.state(now)) for now in nows]
    assert states == sorted(states)
    assert event.state(event.opens) == OPEN or event.opens >= event.closes
