"""Text timing and wording: quiet hours, reminders, up next, tips; short and plain."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from chairops.messaging import rules, texts

NY = ZoneInfo("America/New_York")


def local(y, m, d, h, mi=0):
    return dt.datetime(y, m, d, h, mi, tzinfo=NY).astimezone(dt.UTC)


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        (local(2026, 12, 3, 14, 30), local(2026, 12, 3, 14, 30)),
        (local(2026, 12, 3, 22, 0), local(2026, 12, 4, 9, 0)),
        (local(2026, 12, 3, 20, 0), local(2026, 12, 4, 9, 0)),
        (local(2026, 12, 3, 19, 59), local(2026, 12, 3, 19, 59)),
        (local(2026, 12, 3, 6, 15), local(2026, 12, 3, 9, 0)),
        # The night the clocks go back: 09:00 EST is 14:00 UTC, not 13:00.
        (local(2026, 10, 31, 21, 0), dt.datetime(2026, 11, 1, 14, 0, tzinfo=dt.UTC)),
        # The night they go forward: 09:00 EDT is 13:00 UTC.
        (local(2026, 3, 7, 23, 0), dt.datetime(2026, 3, 8, 13, 0, tzinfo=dt.UTC)),
    ],
    ids=["inside", "late-evening", "at-end", "just-before-end", "early", "fall-back", "spring"],
)
def test_tips_are_held_to_quiet_hours_in_local_time(due, expected):
    assert rules.hold_to_quiet_hours(due, "America/New_York") == expected


def test_reminder_is_9am_local_and_only_for_earlier_bookings_of_later_slots():
    at = rules.reminder_time(dt.date(2026, 11, 1), "America/New_York")
    assert at == dt.datetime(2026, 11, 1, 14, 0, tzinfo=dt.UTC)
    slot = local(2026, 11, 1, 11)
    assert rules.wants_reminder(local(2026, 10, 30, 12), at, slot)
    assert not rules.wants_reminder(local(2026, 11, 1, 9, 30), at, slot)
    assert not rules.wants_reminder(local(2026, 10, 30, 12), at, local(2026, 11, 1, 8, 30))


def test_up_next_goes_a_lead_before_the_expected_start():
    start = local(2026, 12, 3, 14)
    assert rules.up_next_window(start, 10) == (start - dt.timedelta(minutes=10), start)
    late = start + dt.timedelta(minutes=15)
    assert rules.up_next_window(start, 10, 15) == (late - dt.timedelta(minutes=10), late)


@pytest.mark.parametrize(
    ("routine", "tip_set"),
    [("glute_exception", "low_back"), ("standard", "general"), ("modified", "general"),
     (None, "general"), ("refer", None)],
)  # fmt: skip
def test_tips_follow_the_outcome(routine, tip_set):
    assert rules.tips_set(routine) == tip_set


LONG_URL = "https://chairops.example.com/b/" + "x" * 43
SAMPLES = {
    "confirmation": texts.confirmation(
        "chairops", "Alexandria", "Thu 3 Dec, 12:45 PM",
        texts.place("Wellness room, 3rd floor", "1 Main Street, Springfield"), 12, LONG_URL,
    ),
    "moved": texts.moved("chairops", "Thu 3 Dec, 12:45 PM", "Room 4, 1 Main St", 2, LONG_URL),
    "reminder": texts.reminder(
        "chairops", "12:45 PM", "Room 4, 1 Main St", LONG_URL + "/screen", LONG_URL
    ),
    "reminder-done": texts.reminder("chairops", "12:45 PM", "Room 4, 1 Main St", None, LONG_URL),
    "up_next": texts.up_next("chairops", 2, "12:45 PM", "Wellness room, 1 Main Street"),
    "tips-low": texts.tips("chairops", "low_back") + " " + texts.STOP_LINE,
    "tips-general": texts.tips("chairops", "general") + " " + texts.STOP_LINE,
}  # fmt: skip


@pytest.mark.parametrize("kind", SAMPLES)
def test_texts_fit_two_segments_in_plain_characters(kind):
    body = SAMPLES[kind]
    assert len(body) <= rules.MAX_LENGTH, len(body)
    assert rules.is_plain(body)
    assert body.startswith("chairops:")


def test_tips_carry_the_safety_line_and_the_right_advice():
    assert texts.SAFETY_LINE in SAMPLES["tips-low"] and texts.SAFETY_LINE in SAMPLES["tips-general"]
    assert "glute" in SAMPLES["tips-low"] and "hip" in SAMPLES["tips-low"]
    assert "ball" in SAMPLES["tips-low"] and "Desk" in SAMPLES["tips-general"]


def test_confirmation_says_how_to_stop():
    assert SAMPLES["confirmation"].endswith(texts.STOP_LINE)
