"""A programme's dates: RRULEs expanded by dateutil, tables of cases (issue 17's acceptance)."""

from __future__ import annotations

import datetime as dt
from itertools import islice
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from hypothesis import given, settings
from hypothesis import strategies as st

from chairops.programmes import rules
from chairops.programmes.recurrence import MAX_DATES, InvalidRecurrence, expand

NY = "America/New_York"
D = dt.date


def days(*isos: str) -> list[dt.date]:
    return [D.fromisoformat(iso) for iso in isos]


FIRST_TUESDAYS_2027 = days(
    "2027-01-05", "2027-02-02", "2027-03-02", "2027-04-06", "2027-05-04", "2027-06-01",
    "2027-07-06", "2027-08-03", "2027-09-07", "2027-10-05", "2027-11-02", "2027-12-07",
)  # fmt: skip


@pytest.mark.parametrize(
    ("rule", "dtstart", "skipped", "expected"),
    [
        # The first Tuesday of every month for a year.
        ("FREQ=MONTHLY;BYDAY=1TU;COUNT=12", "2027-01-01", [], FIRST_TUESDAYS_2027),
        ("RRULE:FREQ=MONTHLY;BYDAY=1TU;COUNT=12", "2027-01-01", [], FIRST_TUESDAYS_2027),
        # Weekly on two weekdays, skipping a holiday and a day the room is taken.
        (
            "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=8",
            "2027-11-15",
            ["2027-11-25", "2027-12-02"],
            days(
                "2027-11-16", "2027-11-18", "2027-11-23", "2027-11-30", "2027-12-07", "2027-12-09"
            ),
        ),
        # Every other week, Monday and Friday, to an end date.
        (
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR;UNTIL=20270219",
            "2027-01-04",
            [],
            days(
                "2027-01-04",
                "2027-01-08",
                "2027-01-18",
                "2027-01-22",
                "2027-02-01",
                "2027-02-05",
                "2027-02-15",
                "2027-02-19",
            ),
        ),
        # The 31st: months without one are skipped, not moved.
        (
            "FREQ=MONTHLY;BYMONTHDAY=31;UNTIL=20271231",
            "2027-01-01",
            [],
            days(
                "2027-01-31",
                "2027-03-31",
                "2027-05-31",
                "2027-07-31",
                "2027-08-31",
                "2027-10-31",
                "2027-12-31",
            ),
        ),
        # ... and the last day of every month is BYMONTHDAY=-1.
        (
            "FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=4",
            "2028-01-01",
            [],
            days("2028-01-31", "2028-02-29", "2028-03-31", "2028-04-30"),
        ),
        # The last Friday of the month.
        (
            "FREQ=MONTHLY;BYDAY=-1FR;COUNT=3",
            "2027-01-01",
            [],
            days("2027-01-29", "2027-02-26", "2027-03-26"),
        ),
        # An end date is the last day a date may fall on, that day included.
        ("FREQ=MONTHLY;BYDAY=1TU;UNTIL=20270601", "2027-01-01", [], FIRST_TUESDAYS_2027[:6]),
        # An end given in UTC is read as the local day it falls on (Mar 2 04:00Z is Mar 1 here).
        (
            "FREQ=MONTHLY;BYDAY=1TU;UNTIL=20270302T040000Z",
            "2027-01-01",
            [],
            FIRST_TUESDAYS_2027[:2],
        ),
        # COUNT counts the rule's days before skipping (RFC 5545): 6 less 1 skipped.
        (
            "FREQ=MONTHLY;BYDAY=1TU;COUNT=6",
            "2027-01-01",
            ["2027-03-02"],
            [d for d in FIRST_TUESDAYS_2027[:6] if d != D(2027, 3, 2)],
        ),
        # Lower-case parts read the same.
        ("freq=monthly;byday=1tu;count=2", "2027-01-01", [], FIRST_TUESDAYS_2027[:2]),
    ],
)
def test_the_dates_a_rule_gives(rule, dtstart, skipped, expected):
    assert expand(rule, D.fromisoformat(dtstart), days(*skipped), NY) == expected


def test_an_end_date_and_a_count_give_the_same_dates():
    by_count = expand("FREQ=WEEKLY;BYDAY=WE;COUNT=10", D(2027, 1, 1), (), NY)
    by_end = expand("FREQ=WEEKLY;BYDAY=WE;UNTIL=20270310", D(2027, 1, 1), (), NY)
    assert by_count == by_end
    assert len(by_count) == 10 and by_count[-1] == D(2027, 3, 10)


def test_a_year_of_first_tuesdays_keeps_noon_local_across_both_clock_changes():
    """2027: clocks go forward on 14 March and back on 7 November in New York."""
    dates = expand("FREQ=MONTHLY;BYDAY=1TU;COUNT=12", D(2027, 1, 1), (), NY)
    starts = [rules.starts_at(day, dt.time(12), NY) for day in dates]
    local = [start.astimezone(ZoneInfo(NY)) for start in starts]
    assert {moment.time() for moment in local} == {dt.time(12)}
    offsets = [int(moment.utcoffset().total_seconds() // 3600) for moment in local]
    # January to March standard time, April to November daylight time, December standard.
    assert offsets == [-5, -5, -5, -4, -4, -4, -4, -4, -4, -4, -4, -5]
    assert [start.hour for start in starts] == [17, 17, 17] + [16] * 8 + [17]


@pytest.mark.parametrize(
    ("day", "opens_local", "offset"),
    [
        # 16 March is after the spring change; its sign-up opens on 9 March, before it.
        (D(2027, 3, 16), dt.datetime(2027, 3, 9, 9, 0), -5),
        # 9 November is after the autumn change; its sign-up opens on 2 November, before it.
        (D(2027, 11, 9), dt.datetime(2027, 11, 2, 9, 0), -4),
    ],
)
def test_signup_opens_at_nine_local_even_across_a_clock_change(day, opens_local, offset):
    opens = rules.signup_opens_at(day, NY, 7)
    local = opens.astimezone(ZoneInfo(NY))
    assert local.replace(tzinfo=None) == opens_local
    assert local.utcoffset() == dt.timedelta(hours=offset)
    assert opens.tzinfo == dt.UTC


@pytest.mark.parametrize(
    ("rule", "skipped", "field", "words"),
    [
        ("FREQ=MONTHLY;BYMONTHDAY=30;BYMONTH=2;COUNT=3", [], "rrule", "gives no date"),
        ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;COUNT=2", [], "rrule", "gives no date"),
        ("FREQ=WEEKLY;BYDAY=MO;UNTIL=20261201", [], "rrule", "before the first date"),
        ("FREQ=WEEKLY;COUNT=61", [], "rrule", "more than 60 dates"),
        ("FREQ=DAILY;UNTIL=20270501", [], "rrule", "more than 60 dates"),
        ("FREQ=WEEKLY;BYDAY=MO", [], "rrule", "COUNT=10 or UNTIL"),
        ("FREQ=YEARLY;COUNT=7", [], "rrule", "five years"),
        ("FREQ=MONTHLY;UNTIL=20400101", [], "rrule", "five years"),
        ("FREQ=HOURLY;COUNT=3", [], "rrule", "FREQ must be"),
        ("FREQ=DAILY;BYHOUR=9;COUNT=3", [], "rrule", "leave out BYHOUR"),
        ("FREQ=DAILY;INTERVAL=0;COUNT=3", [], "rrule", "INTERVAL"),
        ("FREQ=WEEKLY;BYDAY=XX;COUNT=3", [], "rrule", "not an RRULE we can read"),
        ("FREQ=WEEKLY;COUNT=three", [], "rrule", "COUNT must be"),
        ("FREQ=WEEKLY;UNTIL=tomorrow", [], "rrule", "UNTIL as a date"),
        ("DTSTART:20270101\nRRULE:FREQ=DAILY;COUNT=2", [], "rrule", "one RRULE line"),
        ("FREQ", [], "rrule", "NAME=VALUE"),
        ("", [], "rrule", "one RRULE line"),
        ("FREQ=WEEKLY;BYDAY=TU;COUNT=3", ["2027-01-06"], "exdates", "2027-01-06 is not one"),
        ("FREQ=WEEKLY;BYDAY=TU;COUNT=1", ["2027-01-05"], "rrule", "gives no date"),
    ],
)
def test_rules_that_cannot_be_used_name_the_field(rule, skipped, field, words):
    with pytest.raises(InvalidRecurrence) as caught:
        expand(rule, D(2027, 1, 1), days(*skipped), NY)
    assert caught.value.field == field
    assert words in caught.value.message


def test_sixty_dates_are_allowed_and_skipped_ones_do_not_count():
    assert len(expand("FREQ=WEEKLY;COUNT=60", D(2027, 1, 1))) == MAX_DATES
    skipped = expand("FREQ=WEEKLY;COUNT=2", D(2027, 1, 1))[:1]
    assert len(expand("FREQ=WEEKLY;COUNT=61", D(2027, 1, 1), skipped)) == MAX_DATES


WEEKDAY = st.sampled_from(["MO", "TU", "WE", "TH", "FR", "SA", "SU"])
RULES = st.one_of(
    st.builds(
        lambda days, interval, count: (
            f"FREQ=WEEKLY;INTERVAL={interval};BYDAY={','.join(days)};COUNT={count}"
        ),
        st.lists(WEEKDAY, min_size=1, max_size=3, unique=True),
        st.integers(1, 4),
        st.integers(1, 40),
    ),
    st.builds(
        lambda nth, day, count: f"FREQ=MONTHLY;BYDAY={nth}{day};COUNT={count}",
        st.sampled_from(["1", "2", "3", "4", "-1", "5"]),
        WEEKDAY,
        st.integers(1, 30),
    ),
    st.builds(
        lambda monthday, count: f"FREQ=MONTHLY;BYMONTHDAY={monthday};COUNT={count}",
        st.sampled_from([1, 15, 28, 29, 30, 31, -1]),
        st.integers(1, 30),
    ),
    st.builds(
        lambda month, day: f"FREQ=YEARLY;BYMONTH={month};BYMONTHDAY={day};COUNT=3",
        st.integers(1, 12),
        st.sampled_from([1, 29, 30, 31]),
    ),
)


@settings(max_examples=150, deadline=None)
@given(rule=RULES, dtstart=st.dates(D(1990, 1, 1), D(2090, 12, 31)))
def test_expanding_in_a_later_400_year_cycle_gives_what_dateutil_gives(rule, dtstart):
    """The shift that bounds a rule that never matches changes no date (the calendar repeats)."""
    try:
        got = expand(rule, dtstart)
    except InvalidRecurrence as exc:
        assert exc.field == "rrule"
        return
    start = dt.datetime.combine(dtstart, dt.time())
    direct = [moment.date() for moment in islice(rrulestr(rule, dtstart=start), MAX_DATES + 1)]
    assert got == direct


@settings(max_examples=200, deadline=None)
@given(rule=st.text(max_size=80), dtstart=st.dates(D(2000, 1, 1), D(2100, 1, 1)))
def test_any_text_gives_dates_or_names_the_field(rule, dtstart):
    try:
        got = expand(rule, dtstart, (), NY)
    except InvalidRecurrence as exc:
        assert exc.field in ("rrule", "exdates") and exc.message
    else:
        assert 1 <= len(got) <= MAX_DATES and got == sorted(set(got))
