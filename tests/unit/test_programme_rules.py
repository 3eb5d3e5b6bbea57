"""Programme settings, edits, wording, and the fair-share rules of the claim path. Pure."""

from __future__ import annotations

import datetime as dt

import pytest

from chairops.programmes import rules
from chairops.seating import rules as fair

D = dt.date
UTC = dt.UTC
NOW = dt.datetime(2027, 1, 10, 15, 0, tzinfo=UTC)


def test_settings_have_the_issue_defaults():
    settings = rules.parse_settings({"rrule": "FREQ=WEEKLY;COUNT=2", "dtstart": "2027-02-01"})
    assert settings.signup_opens_days_before == 7
    assert settings.signup_opens_time == dt.time(9, 0)
    assert settings.priority_hours == 24
    assert settings.monthly_cap is None
    assert settings.publish is False and settings.exdates == ()


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("rrule", "", "Give the recurrence"),
        ("rrule", 7, "Give the recurrence"),
        ("dtstart", "02/01/2027", "YYYY-MM-DD"),
        ("dtstart", "2027-01-09", "has passed"),
        ("exdates", "2027-13-01", "YYYY-MM-DD"),
        ("exdates", {"a": 1}, "list of YYYY-MM-DD"),
        ("exdates", ["2027-01-01"] * 101, "at most 100"),
        ("publish", "maybe", "true or false"),
        ("signup_opens_days_before", -1, "from 0 to 60"),
        ("signup_opens_days_before", True, "from 0 to 60"),
        ("signup_opens_time", "9am", "HH:MM"),
        ("priority_hours", 169, "from 0 to 168"),
        ("monthly_cap", 0, "from 1 to 31"),
    ],
)
def test_bad_settings_name_their_field(field, value, words):
    raw = {"rrule": "FREQ=WEEKLY;COUNT=2", "dtstart": "2027-02-01", field: value}
    with pytest.raises(rules.InvalidSettings) as caught:
        rules.parse_settings(raw, now=NOW, tz="America/New_York")
    assert words in caught.value.errors[field]


def test_skipped_dates_come_from_a_list_or_from_text():
    base = {"rrule": "x", "dtstart": "2027-02-01"}
    from_list = rules.parse_settings(base | {"exdates": ["2027-03-02", "2027-02-02"]})
    from_text = rules.parse_settings(base | {"exdates": "2027-02-02, 2027-03-02\n2027-02-02"})
    assert from_list.exdates == from_text.exdates == (D(2027, 2, 2), D(2027, 3, 2))


@pytest.mark.parametrize(
    ("days_before", "at", "start", "ok"),
    [(7, dt.time(9), dt.time(8), True), (0, dt.time(9), dt.time(12), True),
     (0, dt.time(9), dt.time(9), False), (0, dt.time(13), dt.time(12), False)],
)  # fmt: skip
def test_signup_opens_before_the_first_slot(days_before, at, start, ok):
    assert rules.opens_before_start(days_before, at, start) is ok


def existing(event_id, day, changeable=True, booked=0):
    return rules.ExistingDate(event_id, D.fromisoformat(day), changeable, booked)


def test_an_edit_keeps_changes_creates_and_cancels_by_date():
    have = [
        existing(1, "2027-01-05", changeable=False, booked=6),  # past: never touched
        existing(2, "2027-02-02", booked=3),
        existing(3, "2027-03-02"),
        existing(4, "2027-04-06", booked=1),
        existing(5, "2027-05-04", changeable=False),  # cancelled date: stays cancelled
    ]
    wanted = [D(2027, 2, 2), D(2027, 3, 2), D(2027, 5, 4), D(2027, 6, 1)]
    steps = rules.plan_edit(have, wanted, template_changed=True)
    assert [(s.day.isoformat(), s.action, s.event_id) for s in steps] == [
        ("2027-02-02", "change", 2),
        ("2027-03-02", "change", 3),
        ("2027-04-06", "cancel", 4),
        ("2027-06-01", "create", None),
    ]
    assert [s.event_id for s in steps if s.affects_bookings] == [2, 4]


def test_an_edit_that_only_moves_sign_up_keeps_every_date():
    have = [existing(2, "2027-02-02", booked=3), existing(3, "2027-03-02")]
    steps = rules.plan_edit(have, [D(2027, 2, 2), D(2027, 3, 2)], template_changed=False)
    assert [s.action for s in steps] == ["keep", "keep"]
    assert not any(s.affects_bookings for s in steps)


@pytest.mark.parametrize(
    ("form", "weekdays", "rule"),
    [
        ({"pattern": "weekly", "interval": "1", "count": "10"}, ["TU", "TH"],
         "FREQ=WEEKLY;INTERVAL=1;BYDAY=TU,TH;COUNT=10"),
        ({"pattern": "weekly", "interval": "2", "ends": "until", "until": "2027-06-30"}, ["MO"],
         "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;UNTIL=20270630"),
        ({"pattern": "monthly_weekday", "nth": "1", "nth_weekday": "TU", "count": "12"}, [],
         "FREQ=MONTHLY;BYDAY=1TU;COUNT=12"),
        ({"pattern": "monthly_weekday", "nth": "-1", "nth_weekday": "FR", "count": "3"}, [],
         "FREQ=MONTHLY;BYDAY=-1FR;COUNT=3"),
        ({"pattern": "monthly_day", "monthday": "31", "count": "7"}, [],
         "FREQ=MONTHLY;BYMONTHDAY=31;COUNT=7"),
        ({"pattern": "custom", "rrule": "FREQ=DAILY;COUNT=3"}, ["MO"], "FREQ=DAILY;COUNT=3"),
    ],
)  # fmt: skip
def test_the_form_builder_writes_the_rrule(form, weekdays, rule):
    assert rules.compose_rrule(form, weekdays) == rule


@pytest.mark.parametrize(
    ("form", "weekdays", "field"),
    [
        ({"pattern": "weekly", "count": "10"}, [], "weekdays"),
        ({"pattern": "weekly", "interval": "9", "count": "10"}, ["MO"], "interval"),
        ({"pattern": "monthly_weekday", "nth": "7", "nth_weekday": "TU", "count": "3"}, [], "nth"),
        ({"pattern": "monthly_day", "monthday": "32", "count": "3"}, [], "monthday"),
        ({"pattern": "weekly", "count": "0"}, ["MO"], "count"),
        ({"pattern": "weekly", "ends": "until", "until": "June"}, ["MO"], "until"),
        ({"pattern": "fortnightly", "count": "3"}, [], "pattern"),
    ],
)
def test_the_form_builder_names_what_is_missing(form, weekdays, field):
    with pytest.raises(rules.InvalidSettings) as caught:
        rules.compose_rrule(form, weekdays)
    assert field in caught.value.errors


def test_the_preview_names_the_dates():
    dates = [D(2027, 1, 5), D(2027, 2, 2), D(2027, 3, 2)]
    assert rules.preview(dates) == "3 dates: 5 Jan, 2 Feb, 2 Mar"
    assert rules.preview(dates[:1]) == "1 date: 5 Jan"
    across = [D(2027, 12, 7), D(2028, 1, 4)]
    assert rules.preview(across) == "2 dates: 7 Dec 2027, 4 Jan 2028"
    many = [D(2027, 1, 1) + dt.timedelta(weeks=n) for n in range(20)]
    assert rules.preview(many, shown=4) == "20 dates: 1 Jan, 8 Jan, 15 Jan, ..., 14 May"


def test_when_sign_up_opens_reads_like_the_issue():
    opens = rules.signup_opens_at(D(2027, 2, 2), "America/New_York", 7)
    assert rules.opens_wording(opens, "America/New_York") == "Tue 26 Jan at 9 AM"
    later = rules.signup_opens_at(D(2027, 2, 2), "America/New_York", 8, dt.time(9, 30))
    assert rules.opens_wording(later, "America/New_York") == "Mon 25 Jan at 9:30 AM"


OPENS = dt.datetime(2027, 1, 26, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "hours", "end"),
    [
        (OPENS - dt.timedelta(seconds=1), 24, None),  # not open yet
        (OPENS, 24, OPENS + dt.timedelta(hours=24)),  # the first moment is inside
        (OPENS + dt.timedelta(hours=23, minutes=59), 24, OPENS + dt.timedelta(hours=24)),
        (OPENS + dt.timedelta(hours=24), 24, None),  # the end belongs to everyone
        (OPENS, 0, None),  # no window
    ],
)
def test_the_priority_window_runs_from_opening_for_its_hours(now, hours, end):
    assert fair.priority_window_end(now, OPENS, hours) == end
    assert fair.priority_window_end(now, None, hours) is None


@pytest.mark.parametrize(
    ("statuses", "turn"),
    [
        ((), False),
        (("cancelled",), False),
        (("booked",), True),
        (("completed",), True),
        (("no_show",), True),  # a no-show counts as a turn taken
        (("cancelled", "checked_in"), True),
    ],
)
def test_what_counts_as_a_turn(statuses, turn):
    assert fair.had_turn(statuses) is turn


@pytest.mark.parametrize(
    ("day", "first", "last"),
    [
        (D(2027, 2, 14), D(2027, 2, 1), D(2027, 2, 28)),
        (D(2028, 2, 1), D(2028, 2, 1), D(2028, 2, 29)),
        (D(2027, 12, 31), D(2027, 12, 1), D(2027, 12, 31)),
    ],
)
def test_month_bounds(day, first, last):
    assert fair.month_bounds(day) == (first, last)


def test_the_monthly_cap_is_off_by_default():
    assert not fair.over_cap(99, None)
    assert not fair.over_cap(0, 1)
    assert fair.over_cap(1, 1)
