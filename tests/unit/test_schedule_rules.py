"""Comparing two slot layouts, and the text to someone whose slot a new schedule removes."""

import datetime as dt

import pytest

from chairops.events.rules import compare_layouts, generate_slots
from chairops.messaging import rules, texts

DAY = dt.date(2030, 3, 12)
NY = "America/New_York"


def layout(start="10:00", end="12:00", chairs=2, slot=15, buffer=5):
    return generate_slots(
        DAY, dt.time.fromisoformat(start), dt.time.fromisoformat(end), NY, slot, buffer, chairs
    )


@pytest.mark.parametrize(
    ("new", "counts"),
    [
        (layout(), (12, 0, 0, 0)),
        (layout(chairs=3), (12, 0, 6, 0)),
        (layout(chairs=1), (6, 0, 0, 6)),
        (layout(end="13:00"), (12, 0, 6, 0)),
        (layout(start="09:00"), (12, 0, 6, 0)),
        (layout(end="11:00"), (6, 0, 0, 6)),
        # Slot length 20 with a 5 minute turnover: 10:00 and 11:40 keep their start only.
        (layout(slot=20), (0, 4, 6, 8)),
        (layout(start="10:10", end="12:10"), (0, 0, 12, 12)),
    ],
    ids=["same", "more-chairs", "fewer-chairs", "later-end", "earlier-start", "earlier-end",
         "longer-slots", "shifted"],
)  # fmt: skip
def test_layouts_are_matched_by_chair_and_start(new, counts):
    change = compare_layouts(layout(), new)
    assert tuple(map(len, change)) == counts
    assert all(
        old.start == fresh.start and old.chair == fresh.chair for old, fresh in change.resized
    )
    assert len(change.kept) + len(change.resized) + len(change.added) == len(new)


def test_a_new_day_keeps_nothing():
    moved = generate_slots(DAY + dt.timedelta(days=1), dt.time(10), dt.time(12), NY, 15, 5, 2)
    change = compare_layouts(layout(), moved)
    assert (change.kept, change.resized) == ([], [])
    assert len(change.dropped) == len(change.added) == 12


@pytest.mark.parametrize("title", ["Winter reset", "W" * 120])
@pytest.mark.parametrize("link", ["https://chairops.example.com/e/" + "x" * 22, None])
def test_the_dropped_booking_text_says_sorry_and_fits_two_segments(title, link):
    body = texts.booking_dropped("chairops", title, "Thu 3 Dec, 12:45 PM", link)
    assert body.startswith("chairops: sorry") and "is cancelled" in body
    assert (link in body) if link else "another time" in body
    assert len(body + " " + texts.STOP_LINE) <= rules.MAX_LENGTH
    assert rules.is_plain(body)
