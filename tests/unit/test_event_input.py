"""Validating what a coordinator types: every bad field is named with a usable message."""

import datetime as dt

import pytest

from chairops.events.rules import InvalidFields, parse_event_input

GOOD = {
    "title": "Wellness day",
    "location": "1 Main St",
    "timezone": "America/New_York",
    "date": "2026-12-03",
    "start_time": "10:00",
    "end_time": "12:00",
    "chairs": 2,
    "slot_minutes": 15,
    "buffer_minutes": 5,
}


def test_good_input_parses_to_typed_values():
    data = parse_event_input(GOOD)
    assert data.date == dt.date(2026, 12, 3)
    assert data.start_time == dt.time(10, 0)
    assert (data.chairs, data.slot_minutes, data.buffer_minutes) == (2, 15, 5)
    assert data.room == ""


def test_form_strings_are_accepted_for_numbers():
    assert parse_event_input({**GOOD, "chairs": "4", "slot_minutes": " 20 "}).chairs == 4


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": None}, "timezone"),
        ({"timezone": "../../etc/passwd"}, "timezone"),
        ({"end_time": "09:00"}, "end_time"),
        ({"end_time": "10:00"}, "end_time"),
        ({"chairs": 0}, "chairs"),
        ({"chairs": -3}, "chairs"),
        ({"chairs": True}, "chairs"),
        ({"chairs": "two"}, "chairs"),
        ({"chairs": 2.5}, "chairs"),
        ({"slot_minutes": 180}, "slot_minutes"),
        ({"slot_minutes": 60, "end_time": "10:30"}, "slot_minutes"),
        ({"buffer_minutes": -1}, "buffer_minutes"),
        ({"date": "03/12/2026"}, "date"),
        ({"date": "2026-02-30"}, "date"),
        ({"start_time": "25:00"}, "start_time"),
        ({"start_time": "9"}, "start_time"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 121}, "title"),
        ({"location": None}, "location"),
    ],
)
def test_each_bad_field_is_named(change, field):
    with pytest.raises(InvalidFields) as caught:
        parse_event_input({**GOOD, **change})
    assert field in caught.value.errors
    assert caught.value.errors[field]


def test_all_bad_fields_are_reported_together():
    with pytest.raises(InvalidFields) as caught:
        parse_event_input({"chairs": 0})
    assert {"title", "location", "timezone", "date", "start_time", "end_time", "chairs"} <= set(
        caught.value.errors
    )


def test_a_past_date_is_refused_in_the_events_own_zone():
    # 03:00 UTC on 4 December is still 3 December in Honolulu.
    now = dt.datetime(2026, 12, 4, 3, 0, tzinfo=dt.UTC)
    hawaii = {**GOOD, "timezone": "Pacific/Honolulu"}
    assert parse_event_input(hawaii, now=now).date == dt.date(2026, 12, 3)
    with pytest.raises(InvalidFields) as caught:
        parse_event_input({**GOOD, "timezone": "Europe/Berlin"}, now=now)
    assert caught.value.errors == {"date": "That date has passed."}
