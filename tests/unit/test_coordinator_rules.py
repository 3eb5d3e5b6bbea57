"""The coordinator's pure rules: slot states, tallies, the chart's geometry, safe CSV cells."""

import datetime as dt

import pytest

from chairops.coordinator import rules
from chairops.coordinator.rules import Tally


@pytest.mark.parametrize(
    ("statuses", "state"),
    [
        ([], "free"),
        (["booked"], "booked"),
        (["checked_in"], "attended"),
        (["in_service"], "attended"),
        (["completed"], "attended"),
        (["no_show"], "no_show"),
        # Someone took the no-show's slot: it is theirs now.
        (["no_show", "booked"], "booked"),
        (["no_show", "completed"], "attended"),
        (["no_show", "no_show"], "no_show"),
    ],
)
def test_slot_state(statuses, state):
    assert rules.slot_state(statuses) == state


def test_tally_counts_states_and_adds_up():
    one = rules.tally(["free", "booked", "booked", "attended", "no_show"])
    assert one == Tally(attended=1, booked=2, no_show=1, free=1)
    assert (one.slots, one.taken, one.fill_percent) == (5, 3, 60)
    assert rules.combine([one, Tally(1, 0, 0, 3)]) == Tally(2, 2, 1, 4)
    assert rules.combine([]) == Tally(0, 0, 0, 0)
    assert Tally().fill_percent == 0


@pytest.mark.parametrize(
    ("taken", "slots", "percent"),
    [(0, 24, 0), (23, 24, 95), (24, 24, 100), (1, 3, 33)],
)
def test_fill_percent_rounds_down_so_full_means_every_slot(taken, slots, percent):
    assert Tally(booked=taken, free=slots - taken).fill_percent == percent


@pytest.mark.parametrize(
    ("attended", "no_show", "percent"),
    [(0, 0, None), (3, 0, 100), (0, 2, 0), (2, 1, 67), (9, 1, 90)],
)
def test_attendance_percent(attended, no_show, percent):
    assert rules.attendance_percent(attended, no_show) == percent


@pytest.mark.parametrize(
    ("now", "ended"),
    [
        ("2026-12-03T16:59:00+00:00", False),  # 11:59 AM in New York
        ("2026-12-03T17:00:00+00:00", True),  # noon in New York: the last slot is over
        ("2026-12-03T13:00:00+00:00", False),  # already the 3rd in London, 8 AM in New York
    ],
)
def test_event_ended_is_judged_in_the_events_zone(now, ended):
    when = dt.datetime.fromisoformat(now)
    day, end = dt.date(2026, 12, 3), dt.time(12, 0)
    assert rules.event_ended(day, end, "America/New_York", when) is ended


def test_local_day_is_the_date_where_the_event_happens():
    late_evening_in_la = dt.datetime(2026, 12, 4, 5, 0, tzinfo=dt.UTC)
    assert rules.local_day("America/Los_Angeles", late_evening_in_la) == dt.date(2026, 12, 3)
    assert rules.local_day("Europe/London", late_evening_in_la) == dt.date(2026, 12, 4)


def test_fill_chart_stacks_each_start_times_segments_to_its_chairs():
    columns = [
        ("10:00 AM", "10 AM", Tally(attended=1, booked=1, no_show=0, free=1)),
        ("10:20 AM", "10 AM", Tally(attended=0, booked=0, no_show=1, free=2)),
        ("11:00 AM", "11 AM", Tally(free=2)),  # a chair on a break: fewer slots here
    ]
    chart = rules.fill_chart(columns)
    scale = (chart.plot_bottom - chart.plot_top) / 3
    first, second, third = chart.bars
    assert [name for name, _, _ in first.rects] == ["attended", "booked", "free"]
    assert [name for name, _, _ in second.rects] == ["no_show", "free"]
    # Bottom first, each segment sitting on the one below, the tallest bar reaching the top.
    y, height = first.rects[0][1], first.rects[0][2]
    assert y + height == chart.plot_bottom and height == pytest.approx(scale)
    assert first.rects[1][1] + first.rects[1][2] == pytest.approx(y)
    assert first.rects[-1][1] == pytest.approx(chart.plot_top)
    assert sum(h for _, _, h in third.rects) == pytest.approx(2 * scale)
    assert [bar.tick for bar in chart.bars] == [True, False, True]
    assert first.x < second.x < third.x and first.x >= chart.left
    assert third.x + third.width <= chart.width
    assert [n for n, _ in chart.gridlines] == [0, 1, 2, 3]


def test_fill_chart_widens_for_many_times_and_keeps_bars_apart():
    columns = [(f"{n}", f"{n // 3}", Tally(booked=1, free=3)) for n in range(60)]
    chart = rules.fill_chart(columns)
    assert chart.width >= 60 * rules.COLUMN_WIDTH
    gaps = [b.x - (a.x + a.width) for a, b in zip(chart.bars, chart.bars[1:], strict=False)]
    assert min(gaps) > 0
    assert [n for n, _ in rules.fill_chart([("a", "a", Tally(free=20))]).gridlines][-1] == 20


def test_fill_chart_of_no_times_is_empty_not_an_error():
    chart = rules.fill_chart([])
    assert chart.bars == [] and chart.width > rules.MIN_PLOT_WIDTH
    assert [n for n, _ in chart.gridlines] == [0, 1]


@pytest.mark.parametrize(
    ("name", "cell"),
    [
        ("Ana Lima", "Ana Lima"),
        ('=HYPERLINK("http://x","click")', '\'=HYPERLINK("http://x","click")'),
        ("+1 555", "'+1 555"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("Jo-Ann", "Jo-Ann"),
    ],
)
def test_spreadsheet_safe_keeps_formulas_from_running(name, cell):
    assert rules.spreadsheet_safe(name) == cell


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("Wellness Wednesday", "roster-2026-12-03-wellness-wednesday.csv"),
        ("Café & Massage: Q4!", "roster-2026-12-03-cafe-massage-q4.csv"),
        ('"; rm -rf /', "roster-2026-12-03-rm-rf.csv"),
        ("按摩日", "roster-2026-12-03.csv"),
        ("x" * 90, "roster-2026-12-03-" + "x" * 40 + ".csv"),
    ],
)
def test_export_filename_is_plain_ascii(title, name):
    assert rules.export_filename(title, dt.date(2026, 12, 3)) == name
