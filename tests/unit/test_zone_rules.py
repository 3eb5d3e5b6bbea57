"""The VTIMEZONE written into .ics files agrees with the zone database around the event."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from chairops.booking.calendar import zone_component
from chairops.booking.rules import observances
from chairops.formatting import local_iso

# Rules of every shape: US and EU weekday rules, the southern hemisphere, Ireland's "negative"
# DST, a 30-minute change (Lord Howe), Chile's "Sunday on or after the 2nd", Morocco's Ramadan
# changes, and zones without DST.
ZONES = [
    "America/Los_Angeles",
    "America/New_York",
    "America/Phoenix",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Berlin",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "America/Santiago",
    "Africa/Casablanca",
    "Asia/Jerusalem",
    "Asia/Tokyo",
    "Pacific/Honolulu",
]


@settings(max_examples=150, deadline=None)
# Found by this test: a change in the December before the listed years (Morocco's clocks going
# back to +01 after Ramadan 2033) was left out, so most of 2034 read an hour off.
@example(zone="Africa/Casablanca", day=dt.date(2035, 1, 1), shift=-82681)
@given(
    zone=st.sampled_from(ZONES),
    day=st.dates(dt.date(2025, 1, 1), dt.date(2036, 12, 31)),
    shift=st.integers(-300 * 24 * 60, 300 * 24 * 60),
)
def test_the_written_zone_gives_the_databases_offset_near_the_event(zone, day, shift):
    """Any instant within about ten months of the event reads at the zone's own offset."""
    own = zone_component(zone, day).to_tz(lookup_tzid=False)
    noon = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
    instant = noon + dt.timedelta(minutes=shift)
    assert instant.astimezone(own).utcoffset() == instant.astimezone(ZoneInfo(zone)).utcoffset()


@pytest.mark.parametrize(
    ("zone", "rules"),
    [
        ("America/Los_Angeles", {"DAYLIGHT": "2SU", "STANDARD": "1SU"}),
        ("Europe/Berlin", {"DAYLIGHT": "-1SU", "STANDARD": "-1SU"}),
        ("Australia/Sydney", {"DAYLIGHT": "1SU", "STANDARD": "1SU"}),
    ],
)
def test_weekday_rules_are_found(zone, rules):
    found = {o.kind: o.rule["BYDAY"] for o in observances(zone, dt.date(2027, 6, 1))}
    assert found == rules


def test_a_zone_without_changes_is_one_standard_block():
    (only,) = observances("Asia/Tokyo", dt.date(2027, 6, 1))
    assert (only.kind, only.offset_to, only.rule) == ("STANDARD", dt.timedelta(hours=9), None)


def test_a_zone_with_no_weekday_rule_lists_the_changes_near_the_event():
    found = observances("America/Santiago", dt.date(2027, 6, 1))
    assert all(o.rule is None for o in found)
    assert {o.start.year for o in found} == {2025, 2026, 2027, 2028}


@settings(max_examples=200, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    instant=st.datetimes(
        min_value=dt.datetime(2020, 1, 1),
        max_value=dt.datetime(2040, 1, 1),
        timezones=st.just(dt.UTC),
    ),
    seen_as=st.sampled_from(ZONES),
)
def test_remembered_iso_times_are_the_zones_own(zone, instant, seen_as):
    """formatting.local_iso remembers its answers: an instant gets the same text however it was
    written (any tzinfo), and each zone its own offset, around every change of the clocks."""
    expected = instant.astimezone(ZoneInfo(zone)).isoformat()
    assert local_iso(instant, zone) == expected
    assert local_iso(instant.astimezone(ZoneInfo(seen_as)), zone) == expected
    assert local_iso(instant, seen_as) == instant.astimezone(ZoneInfo(seen_as)).isoformat()
