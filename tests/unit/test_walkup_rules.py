"""The walk-up line's pure rules: waits, the join window, texts, requeueing, figures, chart."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chairops.messaging.rules import MAX_LENGTH, is_plain
from chairops.walkup import rules

TZ = "America/New_York"
DAY = dt.date(2026, 12, 3)
HOURS = rules.event_hours(DAY, dt.time(10, 0), dt.time(14, 0), TZ)


def at(hh: int, mm: int = 0) -> dt.datetime:
    return rules.event_hours(DAY, dt.time(hh, mm), dt.time(23, 0), TZ).opens


def test_event_hours_are_the_local_day_in_utc():
    assert HOURS.opens == dt.datetime(2026, 12, 3, 15, 0, tzinfo=dt.UTC)
    assert HOURS.closes == dt.datetime(2026, 12, 3, 19, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("position", "chairs", "step", "minutes"),
    [(1, 1, 20, 20), (3, 4, 20, 15), (1, 8, 20, 3), (8, 8, 20, 20), (9, 8, 20, 23), (5, 2, 15, 38)],
)
def test_the_wait_is_the_chairs_freeing_in_turn(position, chairs, step, minutes):
    assert rules.estimated_wait_minutes(position, chairs, step) == minutes


@pytest.mark.parametrize(
    ("now", "waiting", "state"),
    [
        (at(9, 29), 0, "not_yet"),  # joining opens 30 minutes early
        (at(9, 30), 0, "open"),
        (at(12, 0), 0, "open"),
        (at(13, 40), 0, "open"),  # 20 more minutes: one last session fits
        (at(13, 41), 0, "full"),
        (at(12, 0), 20, "open"),  # 21st person: 21 * 20 / 4 = 105 minutes, then 15 minutes
        (at(12, 0), 21, "full"),
        (at(14, 0), 0, "over"),
        (at(16, 0), 0, "over"),
    ],
)
def test_joining_is_open_in_hours_until_the_line_fills_the_chairs(now, waiting, state):
    assert rules.join_state(now, HOURS, 30, waiting, 4, 20, 15) == state


def test_joining_before_opening_counts_the_wait_from_the_opening():
    # At 9:45 the 45th person would start at 10:00 + 225 minutes = 13:45 and finish at 14:00.
    assert rules.join_state(at(9, 45), HOURS, 30, 44, 4, 20, 15) == "open"
    assert rules.join_state(at(9, 45), HOURS, 30, 45, 4, 20, 15) == "full"


@pytest.mark.parametrize(
    ("now", "ok"), [(at(9, 59), False), (at(10, 0), True), (at(13, 59), True), (at(14, 0), False)]
)
def test_line_texts_go_only_during_the_event_hours(now, ok):
    assert rules.may_text(now, HOURS) is ok


@pytest.mark.parametrize(
    ("status", "booking", "event", "shown"),
    [
        ("waiting", None, "published", "waiting"),
        ("called", "booked", "published", "called"),
        ("called", "no_show", "published", "called"),
        ("called", "checked_in", "published", "in_chair"),
        ("called", "in_service", "closed", "in_chair"),
        ("called", "completed", "published", "served"),
        ("waiting", None, "cancelled", "closed"),
        ("waiting", None, "completed", "closed"),  # the day is over (found by the simulator)
        ("called", "booked", "completed", "closed"),
        ("called", "completed", "completed", "served"),
        ("left", None, "cancelled", "left"),
        ("missed", "cancelled", "published", "missed"),
    ],
)
def test_what_the_page_says(status, booking, event, shown):
    assert rules.shown_status(status, booking, event) == shown


@pytest.mark.parametrize(
    ("n", "text"), [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"),
                    (13, "13th"), (21, "21st"), (22, "22nd"), (101, "101st"), (111, "111th")],
)  # fmt: skip
def test_ordinals(n, text):
    assert rules.ordinal(n) == text


def test_the_texts_read_as_the_issue_says_and_fit_two_plain_segments():
    assert rules.notice_text("Spa", 3, 15) == (
        "Spa: You're 3rd in line, about 15 minutes. Please make your way to the massage chairs."
    )
    assert rules.called_text("Spa", 3, 5) == (
        "Spa: Chair 3 is ready for you now. Please come within 5 minutes."
    )
    longest = [
        rules.notice_text("x" * 30, 999, 999),
        rules.called_text("x" * 30, 30, 60),
        rules.requeued_text("x" * 30, 30, 3, 999),
        rules.removed_text("x" * 30, "t" * 120, "https://chairops.example/e/" + "a" * 22),
        rules.cancelled_text("x" * 30, "t" * 60),
    ]
    for body in longest:
        assert is_plain(body)
        assert len(body) + len(" Reply STOP to opt out.") <= MAX_LENGTH


T0 = dt.datetime(2026, 12, 3, 15, 0, tzinfo=dt.UTC)
US = dt.timedelta(microseconds=1)


def keys(*pairs):
    return [(T0 + dt.timedelta(seconds=s), i) for s, i in pairs]


def behind(entry_id, at, waiting) -> int:
    """How many of `waiting` sort before (at, entry_id)."""
    return sum(1 for key in waiting if key < (at, entry_id))


def test_nobody_waiting_keeps_the_front():
    assert rules.requeue_at(1, []) is None


@pytest.mark.parametrize("count", [1, 2, 3, 10])
def test_back_behind_the_next_two_or_behind_everyone_when_fewer(count):
    waiting = keys(*[(10 * n, 10 + n) for n in range(count)])
    new = rules.requeue_at(1, waiting)
    assert behind(1, new, waiting) == min(2, count)


def test_ties_in_time_are_settled_by_id_like_the_database_does():
    waiting = [(T0, 5), (T0, 6), (T0 + dt.timedelta(seconds=1), 7)]
    assert behind(9, rules.requeue_at(9, waiting), waiting) == 2  # (T0, 9) sorts after (T0, 6)
    assert behind(1, rules.requeue_at(1, waiting), waiting) == 2  # needs T0 + 1 microsecond


times = st.integers(min_value=0, max_value=10_000).map(lambda us: T0 + us * US)


@given(
    st.lists(st.tuples(times, st.integers(1, 10_000)), unique_by=lambda k: k[1], max_size=12),
    st.integers(10_001, 20_000),
)
def test_requeued_just_behind_two_people_whatever_the_line(raw, entry_id):
    waiting = sorted(raw)
    new = rules.requeue_at(entry_id, waiting)
    if not waiting:
        assert new is None
        return
    ahead = behind(entry_id, new, waiting)
    assert ahead >= min(2, len(waiting))
    # Anyone more lands ahead only by joining within a microsecond of the second person.
    second = waiting[min(2, len(waiting)) - 1][0]
    assert all(t - second <= US for t, _ in waiting[2:ahead])


def test_waiting_spans_cover_both_stretches_in_line():
    t = [T0 + dt.timedelta(minutes=m) for m in range(0, 100, 10)]
    first_call = rules.EntryTimes(t[0], t[2], None, t[2], None)
    assert rules.waiting_spans(first_call) == [(t[0], t[2])]
    still = rules.EntryTimes(t[0], None, None, None, None)
    assert rules.waiting_spans(still) == [(t[0], None)]
    left = rules.EntryTimes(t[0], None, None, None, t[1])
    assert rules.waiting_spans(left) == [(t[0], t[1])]
    back_then_called = rules.EntryTimes(t[0], t[2], t[3], t[5], None)
    assert rules.waiting_spans(back_then_called) == [(t[0], t[2]), (t[3], t[5])]
    back_waiting = rules.EntryTimes(t[0], t[2], t[3], t[2], None)
    assert rules.waiting_spans(back_waiting) == [(t[0], t[2]), (t[3], None)]


def test_line_lengths_sample_every_step():
    t = [T0 + dt.timedelta(minutes=m) for m in range(0, 60, 5)]
    spans = [(t[0], t[3]), (t[1], t[2]), (t[2], t[5])]
    samples = rules.line_lengths(spans, t[0], t[6], dt.timedelta(minutes=5))
    assert [n for _, n in samples] == [1, 2, 2, 1, 1, 0, 0]
    # The line as it stands now is the last point, between two steps or not.
    now = t[1] + dt.timedelta(minutes=2)
    joined_just_now = [(now, None)]
    assert rules.line_lengths(joined_just_now, t[0], now, dt.timedelta(minutes=5))[-1] == (now, 1)


def test_wait_figures_in_minutes():
    waits = [dt.timedelta(minutes=m) for m in (4, 10, 31)]
    assert rules.wait_figures(waits) == (15, 31)
    assert rules.wait_figures([]) == (None, None)


def test_the_chart_marks_whole_local_hours_and_scales_to_the_peak():
    start = rules.event_hours(DAY, dt.time(9, 30), dt.time(10, 0), TZ).opens
    samples = [
        (start + dt.timedelta(minutes=5 * i), n) for i, n in enumerate([0, 3, 7, 7, 2, 0, 1])
    ]
    chart = rules.line_chart(samples, TZ)
    assert chart.peak == 7
    assert [label for _, label in chart.ticks] == ["10 AM"]
    assert [n for n, _ in chart.gridlines] == [0, 2, 4, 6, 8]
    ys = [float(p.split(",")[1]) for p in chart.line.split()]
    assert min(ys) >= chart.top and max(ys) == chart.bottom
    assert rules.line_chart(samples[:1], TZ) is None
