"""Reading years of history in bounded pieces: which days are surely over, and pages."""

import datetime as dt
import zoneinfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chairops.coordinator import rules
from chairops.eventday.rules import surely_over_before
from chairops.models import BOOKING_STATUSES

# Every zone the machine knows, the far west (UTC-12) and far east (UTC+14) included.
ZONES = sorted(zoneinfo.available_timezones() - {"Factory", "localtime"})
INSTANTS = st.datetimes(
    min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.just(dt.UTC)
)


@settings(max_examples=300, deadline=None)
@given(
    now=INSTANTS,
    zone=st.sampled_from(ZONES),
    days_before=st.integers(min_value=1, max_value=400),
    end=st.times(),
)
def test_an_event_dated_before_the_unsure_days_is_over_in_every_zone(now, zone, days_before, end):
    day = surely_over_before(now) - dt.timedelta(days=days_before)
    assert rules.event_ended(day, end, zone, now)


@pytest.mark.parametrize(
    ("zone", "day_offset", "end", "ended"),
    [
        # now is 2026-12-03 05:00 UTC: still the evening of the 2nd in the far west.
        ("Etc/GMT+12", -1, dt.time(23, 30), False),
        ("America/New_York", -1, dt.time(23, 30), True),
        # ... and already 19:00 on the 3rd in the far east.
        ("Pacific/Kiritimati", 0, dt.time(19, 30), False),
        ("Pacific/Kiritimati", 0, dt.time(18, 59), True),
    ],
)
def test_the_unsure_days_hold_events_on_both_sides_of_now(zone, day_offset, end, ended):
    now = dt.datetime(2026, 12, 3, 5, 0, tzinfo=dt.UTC)
    day = dt.date(2026, 12, 3) + dt.timedelta(days=day_offset)
    assert day >= surely_over_before(now)  # so the dashboard decides it in Python
    assert rules.event_ended(day, end, zone, now) is ended


@pytest.mark.parametrize(
    ("raw", "total", "expected"),
    [
        (None, 0, (1, 0, False, False)),
        (None, 120, (1, 0, False, True)),
        ("2", 120, (2, 50, True, True)),
        ("3", 120, (3, 100, True, False)),
        (" 3 ", 101, (3, 100, True, False)),
    ],
)
def test_page_of_a_list(raw, total, expected):
    page = rules.page_of(raw, 50, total)
    assert (page.number, page.offset, page.has_previous, page.has_next) == expected
    assert page.count == max(1, -(-total // 50))


@pytest.mark.parametrize("raw", ["0", "-1", "4", "two", "1.5", "²", "９", "1e3", "9999999"])
def test_a_page_that_is_not_there(raw):
    assert rules.page_of(raw, 50, 120) is None


@given(st.lists(st.sampled_from([s for s in BOOKING_STATUSES if s != "cancelled"]), max_size=4))
def test_the_databases_count_of_slot_states_follows_slot_state(statuses):
    """The dashboard counts slots in SQL: the smallest segment of a slot's bookings, or free."""
    ranks = [rules.SEGMENTS.index(rules.STATUS_SEGMENTS[s]) for s in statuses]
    assert rules.SEGMENTS[min(ranks, default=rules.SEGMENTS.index("free"))] == rules.slot_state(
        statuses
    )
