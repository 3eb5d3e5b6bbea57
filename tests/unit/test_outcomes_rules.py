"""Outcomes rules: aggregation, suppression of small groups, timing, reading scores. Pure."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from chairops.messaging import texts
from chairops.messaging.rules import is_plain
from chairops.outcomes import rules
from chairops.outcomes.rules import ALL, Scores, Summary

NY = ZoneInfo("America/New_York")


def people(routine, n, before=8, after=4, two_days=None):
    return [Scores(routine, before, after, two_days) for _ in range(n)]


def row(groups, routine):
    return next(g for g in groups if g.routine == routine)


# --- Aggregation ----------------------------------------------------------------------------


def test_a_group_of_five_shows_counts_means_medians_and_the_share_improved():
    group = [Scores("glute_exception", b, a, t) for b, a, t in
             [(8, 3, 4), (7, 6, 6), (9, 4, 5), (8, 7, 7), (10, 5, 3)]]  # fmt: skip
    glute = row(rules.report(group), "glute_exception")
    assert glute == rules.Group(
        "glute_exception", False, 5,
        before=Summary(5, 8.4, 8), after=Summary(5, 5.0, 5), two_days=Summary(5, 5.0, 5),
        improved_2_or_more=0.6,  # 8->3, 9->4, 10->5 dropped 2 or more; 7->6 and 8->7 did not
    )  # fmt: skip


@pytest.mark.parametrize(
    ("size", "withheld"), [(0, True), (1, True), (4, True), (5, False), (6, False)]
)
def test_groups_smaller_than_five_are_withheld_with_every_field_empty(size, withheld):
    glute = row(rules.report(people("glute_exception", size)), "glute_exception")
    assert glute.withheld is withheld
    if withheld:
        assert glute.as_dict() == {
            "routine": "glute_exception", "withheld": True, "people": None, "before": None,
            "after": None, "two_days": None, "improved_2_or_more": None,
        }  # fmt: skip
    else:
        assert glute.people == size and glute.before.mean == 8.0 and glute.after.mean == 4.0


def test_a_score_given_by_fewer_than_five_in_a_shown_group_shows_no_number():
    group = people("standard", 3, before=5, after=2) + people("standard", 4, before=5, after=None)
    standard = row(rules.report(group), "standard")
    assert not standard.withheld and standard.people == 7
    assert standard.before == Summary(7, 5.0, 5)
    assert standard.after is None and standard.improved_2_or_more is None
    assert standard.two_days is None


def test_after_and_two_day_scores_count_only_next_to_a_before_score():
    group = people("standard", 5, before=None, after=3, two_days=3)
    standard = row(rules.report(group), "standard")
    assert standard.people == 5
    assert (standard.before, standard.after, standard.two_days) == (None, None, None)


@pytest.mark.parametrize(
    ("min_group", "withheld"), [(5, True), (3, False), (10, True)], ids=["5", "3", "10"]
)
def test_the_smallest_group_is_a_setting(min_group, withheld):
    groups = rules.report(people("glute_exception", 4), min_group=min_group)
    assert row(groups, "glute_exception").withheld is withheld


# --- Complementary suppression --------------------------------------------------------------


@pytest.mark.parametrize(
    ("sizes", "all_withheld"),
    [
        ({"glute_exception": 6, "standard": 20}, False),  # nothing hidden: all = the rows shown
        ({"glute_exception": 6, "standard": 20, "refer": 1}, True),  # all - shown = 1 person
        ({"glute_exception": 6, "standard": 20, "refer": 4}, True),
        ({"glute_exception": 3, "standard": 20, "refer": 2}, False),  # 3 + 2 hidden: 5 together
        ({"glute_exception": 2, "modified": 2}, True),  # all of 4 is itself too small
        ({"glute_exception": 4, "modified": 4}, False),  # all of 8; each 4 stays hidden
    ],
    ids=["none-hidden", "one-hidden", "four-hidden", "five-hidden", "all-small", "two-of-four"],
)
def test_all_is_withheld_when_it_minus_the_rows_shown_leaves_one_to_four(sizes, all_withheld):
    group = [p for routine, n in sizes.items() for p in people(routine, n)]
    groups = rules.report(group)
    assert row(groups, ALL).withheld is all_withheld
    for routine, n in sizes.items():
        assert row(groups, routine).withheld is (n < 5)


def test_a_score_in_all_is_withheld_when_a_routine_hides_one_to_four_of_it():
    # Glute shows (6 people) but only 3 gave an after score: all's after minus standard's after
    # would be the mean of those 3.
    group = (
        people("standard", 10)
        + people("glute_exception", 3)
        + people("glute_exception", 3, after=None)
    )
    groups = rules.report(group)
    everyone = row(groups, ALL)
    assert not everyone.withheld and everyone.people == 16 and everyone.before.n == 16
    assert everyone.after is None and everyone.improved_2_or_more is None
    assert row(groups, "standard").after.n == 10
    assert row(groups, "glute_exception").after is None


# --- Many events ----------------------------------------------------------------------------


def test_many_events_add_up_only_what_each_event_report_shows():
    big = people("glute_exception", 5, before=9, after=3) + people("standard", 6)
    small = people("glute_exception", 3, before=2, after=2) + people("standard", 5)
    groups = rules.pooled_report([big, small])
    glute = row(groups, "glute_exception")
    # The small event's 3 glute people never count: ranges of dates could subtract them out.
    assert glute.people == 5 and glute.before.mean == 9.0
    assert row(groups, "standard").people == 11
    # Small's all (8 people, 3 hidden) is withheld in its own report, so only big's all counts.
    assert row(groups, ALL).people == 11


# --- When numbers count ---------------------------------------------------------------------


def at(y, m, d, h, mi=0):
    return dt.datetime(y, m, d, h, mi, tzinfo=NY).astimezone(dt.UTC)


@pytest.mark.parametrize(
    ("now", "over", "today"),
    [
        (at(2026, 12, 3, 14), False, True),
        (at(2026, 12, 3, 23, 59), False, True),  # already 4 Dec in UTC, still the 3rd in NY
        (at(2026, 12, 4, 0, 0), True, False),
        (at(2026, 12, 2, 23), False, False),
    ],
    ids=["afternoon", "late-evening", "midnight", "day-before"],
)
def test_the_day_is_the_events_own(now, over, today):
    assert rules.day_over(dt.date(2026, 12, 3), "America/New_York", now) is over
    assert rules.on_the_day(dt.date(2026, 12, 3), "America/New_York", now) is today


def test_two_day_replies_close_after_the_delay_seven_days_and_a_day_of_slack():
    day = dt.date(2026, 12, 3)
    closes = at(2026, 12, 4, 0) + dt.timedelta(hours=48, days=8)
    assert not rules.followups_closed(day, "America/New_York", closes - dt.timedelta(minutes=1), 48)
    assert rules.followups_closed(day, "America/New_York", closes, 48)
    assert rules.followups_closed(day, "America/New_York", closes - dt.timedelta(hours=48), 0)


@pytest.mark.parametrize(
    ("delay", "expected"), [(48, dt.timedelta(hours=48)), (0, dt.timedelta(minutes=5))]
)
def test_the_question_never_goes_inside_the_undo_window(delay, expected):
    done = at(2026, 12, 3, 14)
    assert rules.followup_due(done, delay, dt.timedelta(minutes=5)) == done + expected


# --- Reading what people give ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "score"),
    [(0, 0), (10, 10), (11, None), (-1, None), (3.5, None), (7.0, None), (True, None),
     ("7", None), (None, None)],
)  # fmt: skip
def test_a_score_is_a_whole_number_from_0_to_10(value, score):
    if score is None:
        with pytest.raises(rules.InvalidInput) as caught:
            rules.parse_score(value)
        assert set(caught.value.errors) == {"score"}
    else:
        assert rules.parse_score(value) == score


@pytest.mark.parametrize(
    ("text", "score"),
    [("7", 7), (" 3 ", 3), ("10", 10), ("11", None), ("3.5", None), ("three", None),
     ("", None), (None, None), ("\uff13", None)],
)  # fmt: skip
def test_a_form_score_is_its_digits(text, score):
    if score is None:
        with pytest.raises(rules.InvalidInput):
            rules.parse_score(rules.form_score(text))
    else:
        assert rules.parse_score(rules.form_score(text)) == score


@pytest.mark.parametrize(
    ("body", "score"),
    [("3", 3), (" 0 ", 0), ("10", 10), ("10\n", 10), ("11", None), ("3.5", None),
     ("three", None), ("3/10", None), ("-3", None), ("", None), ("STOP", None), ("03", None),
     ("\u0663", None)],
)  # fmt: skip
def test_a_reply_counts_only_as_a_bare_number_from_0_to_10(body, score):
    assert rules.reply_score(body) == score


@pytest.mark.parametrize(
    ("start", "end", "errors"),
    [
        ("2026-01-01", "2026-12-31", None),
        ("2026-12-31", "2026-12-31", None),
        ("2026-12-31", "2026-01-01", {"to"}),
        ("2026-02-30", "2026-03-01", {"from"}),
        ("20260101", "2026-03-01", {"from"}),
        (None, "yesterday", {"from", "to"}),
    ],
)
def test_a_report_range_is_two_dates_in_order(start, end, errors):
    if errors is None:
        assert rules.parse_range(start, end) == (
            dt.date.fromisoformat(start),
            dt.date.fromisoformat(end),
        )
    else:
        with pytest.raises(rules.InvalidInput) as caught:
            rules.parse_range(start, end)
        assert set(caught.value.errors) == errors


# --- Showing it -----------------------------------------------------------------------------


def test_the_csv_carries_the_same_numbers_and_no_number_for_a_withheld_group():
    groups = rules.report(people("glute_exception", 5) + people("standard", 2))
    rows = rules.csv_rows(groups)
    assert rows[0] == rules.CSV_HEADER
    by_routine = {r[0]: r for r in rows[1:]}
    assert by_routine["glute_exception"][:6] == ["glute_exception", "no", "5", "5", "8.0", "8.0"]
    assert by_routine["standard"] == ["standard", "yes", "fewer than 5"] + [""] * 10
    # All (7) minus glute (5) would give the 2 standard people away.
    assert by_routine["all"] == ["all", "yes", "fewer than 5"] + [""] * 10


def test_the_chart_has_one_line_per_routine_with_numbers_and_gaps_where_a_score_is_hidden():
    groups = rules.report(
        people("glute_exception", 5, before=8, after=3, two_days=4)
        + people("standard", 5, before=4, after=None, two_days=3)
    )
    chart = rules.trend_chart(groups)
    lines = {line.routine: line for line in chart.lines}
    assert set(lines) == {"glute_exception", "standard"}  # "all" is not a routine
    glute = lines["glute_exception"]
    assert [mean for _, _, mean, _ in glute.points] == [8.0, 3.0, 4.0]
    assert len(glute.segments) == 2
    assert [y for _, y, _, _ in glute.points] == [rules._y(8), rules._y(3), rules._y(4)]
    standard = lines["standard"]
    assert [(mean, m) for _, _, mean, m in standard.points] == [
        (4.0, "Before"),
        (3.0, "Two days later"),
    ]
    assert standard.segments == []  # before and two days are not neighbours: no line across
    assert rules._y(10) == rules.CHART_TOP and rules._y(0) == rules.CHART_BOTTOM


def test_the_line_names_never_overlap_even_when_the_lines_end_together():
    groups = rules.report(
        people("glute_exception", 5, before=8, after=3, two_days=4)
        + people("standard", 5, before=5, after=3, two_days=4)
        + people("modified", 5, before=6, after=4, two_days=4)
    )
    ys = sorted(line.label_y for line in rules.trend_chart(groups).lines)
    assert all(b - a >= rules.LABEL_GAP for a, b in zip(ys, ys[1:], strict=False))


# --- The texts ------------------------------------------------------------------------------

TWO_SEGMENTS = 306  # 2 x 153 GSM-7 characters


@pytest.mark.parametrize("glute", [True, False])
def test_the_two_day_question_fits_two_segments_in_plain_characters(glute):
    body = texts.followup("chairops", glute) + " " + texts.STOP_LINE
    assert len(body) <= TWO_SEGMENTS and is_plain(body)
    assert "How is your lower back today, 0 to 10? Reply with a number." in body
    assert ("Some soreness for 1-3 days after glute work is normal." in body) is glute


def test_the_thanks_is_one_plain_line():
    thanks = texts.followup_thanks("chairops")
    assert "\n" not in thanks and is_plain(thanks) and len(thanks) <= 160


def test_the_glute_tips_say_what_to_expect_within_two_segments():
    body = texts.tips("chairops", "low_back") + " " + texts.STOP_LINE
    assert len(body) <= TWO_SEGMENTS and is_plain(body)
    for words in ("Glute activation", "Hip mobility", "ball against the wall",
                  "1-3 days of soreness is normal", texts.SAFETY_LINE):  # fmt: skip
        assert words in body
