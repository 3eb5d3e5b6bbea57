"""When a freed chair is offered, and for how long."""

import datetime as dt

from chairops.waitlist.rules import make_offer, may_text_offer

T0 = dt.datetime(2026, 12, 3, 15, 0, tzinfo=dt.UTC)  # 10:00 in New York
HOURS = (dt.time(9), dt.time(20))


def minutes(n: int) -> dt.timedelta:
    return dt.timedelta(minutes=n)


def test_an_offer_for_a_later_slot_lasts_the_full_offer_time():
    offer = make_offer(T0, T0 + minutes(60), T0 + minutes(75), 10)
    assert offer.expires_at == T0 + minutes(10)
    assert not offer.free_now


def test_a_slot_starting_before_the_offer_ends_is_free_now():
    assert make_offer(T0, T0 + minutes(5), T0 + minutes(20), 10).free_now
    assert make_offer(T0, T0 - minutes(3), T0 + minutes(12), 10).free_now


def test_the_offer_ends_in_time_to_walk_over_and_is_not_made_when_too_late():
    assert make_offer(T0, T0 - minutes(3), T0 + minutes(12), 10).expires_at == T0 + minutes(7)
    assert make_offer(T0, T0 - minutes(10), T0 + minutes(5), 10) is None
    assert make_offer(T0, T0 - minutes(10), T0 + minutes(6), 10) is not None


def test_offers_wait_for_texting_hours_unless_the_chair_is_needed_soon():
    tz = "America/New_York"
    night = dt.datetime(2026, 12, 3, 2, 0, tzinfo=dt.UTC)  # 21:00 the evening before
    assert not may_text_offer(night, T0, tz, HOURS)
    assert may_text_offer(night, night + dt.timedelta(hours=2), tz, HOURS)
    assert may_text_offer(T0, T0 + dt.timedelta(days=3), tz, HOURS)
