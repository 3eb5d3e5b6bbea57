import datetime as dt

import pytest

from chairops.tablet.rules import (
    QueueEntry,
    arrange_queue,
    can_undo,
    check_move,
    clamp_late,
    expected_start,
)

T0 = dt.datetime(2026, 12, 3, 15, 0, tzinfo=dt.UTC)


def at(minutes):
    return T0 + dt.timedelta(minutes=minutes)


def test_queue_puts_the_person_in_service_first_then_next_then_later_then_done():
    entries = [
        QueueEntry(1, at(0), "completed"),
        QueueEntry(2, at(20), "in_service"),
        QueueEntry(3, at(40), "checked_in"),
        QueueEntry(4, at(60), "booked"),
        QueueEntry(5, at(80), "booked"),
        QueueEntry(6, at(100), "no_show"),
    ]
    queue = arrange_queue(entries[::-1])
    assert queue.now.id == 2 and queue.next.id == 3
    assert [e.id for e in queue.later] == [4, 5]
    assert [e.id for e in queue.done] == [1, 6]


def test_with_nobody_in_the_chair_the_earliest_waiting_person_is_next():
    queue = arrange_queue([QueueEntry(2, at(20), "booked"), QueueEntry(1, at(0), "no_show")])
    assert queue.now is None and queue.next.id == 2 and queue.later == []


def test_an_empty_chair_has_an_empty_queue():
    assert arrange_queue([]) == (None, None, [], [])


@pytest.mark.parametrize(
    ("current", "wanted", "verdict"),
    [
        ("booked", "checked_in", "ok"),
        ("checked_in", "in_service", "ok"),
        ("in_service", "completed", "ok"),
        ("booked", "no_show", "ok"),
        ("checked_in", "no_show", "ok"),
        ("completed", "completed", "repeat"),
        ("booked", "in_service", "bad"),
        ("booked", "completed", "bad"),
        ("in_service", "no_show", "bad"),
        ("completed", "in_service", "bad"),
        ("no_show", "checked_in", "bad"),
        ("cancelled", "checked_in", "bad"),
        ("checked_in", "booked", "bad"),
        ("booked", "banana", "bad"),
    ],
)
def test_status_moves_only_forward(current, wanted, verdict):
    assert check_move(current, wanted) == verdict


def test_undo_only_inside_the_window():
    assert can_undo("booked", T0, at(1))
    assert can_undo("booked", T0, at(2))
    assert not can_undo("booked", T0, at(3))
    assert not can_undo(None, T0, at(1))


def test_running_late_shifts_only_waiting_people():
    assert expected_start(T0, 10, "booked") == at(10)
    assert expected_start(T0, 10, "checked_in") == at(10)
    assert expected_start(T0, 10, "in_service") == T0
    assert expected_start(T0, 0, "booked") == T0
    assert (clamp_late(-5), clamp_late(45), clamp_late(500)) == (0, 45, 120)
