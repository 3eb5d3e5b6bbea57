"""Lower-back scores against a real database: before kept through the purge, after at the chair,
the two-day question by text and its reply."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from chairops.config import TextSettings
from chairops.errors import ValidationError
from chairops.messaging.dispatch import dispatch_once, record_opt_out
from chairops.messaging.texts import STOP_LINE, followup_thanks
from chairops.models import Message, Screen, utcnow
from chairops.outcomes.service import (
    NoBeforeScore,
    NotNow,
    answer_followup,
    ask_followups,
    pain_after_prompt,
    record_pain_after,
)
from chairops.screening.service import purge_screen_answers
from tests.factories import phone
from tests.outcome_data import (
    BACK_STANDARD,
    GLUTE,
    NECK_ONLY,
    REFER,
    came,
    event_on,
    local,
    local_today,
)

pytestmark = pytest.mark.usefixtures("backend")
TEXTS = TextSettings("https://chairops.example", "chairops")


@pytest.fixture
def past(make):
    return event_on(make, local_today() - dt.timedelta(days=5))


def followups(session) -> list[Message]:
    session.expire_all()
    return list(session.scalars(select(Message).where(Message.kind == "followup")))


def test_the_before_score_stays_with_the_outcome_when_raw_answers_are_purged(make, session, past):
    booking = came(make, session, past, 1, GLUTE)
    assert booking.screen.pain_before == 8
    purged = purge_screen_answers(session, utcnow(), retention_days=1)
    session.commit()
    session.expire_all()
    screen = session.scalar(select(Screen))
    assert purged == 1 and screen.answers is None and screen.answers_purged_at is not None
    assert screen.pain_before == 8


def test_a_screen_without_lower_back_pain_has_no_before_score(make, session, past):
    assert came(make, session, past, 1, NECK_ONLY).screen.pain_before is None


def test_the_after_score_is_stored_once_the_massage_ends_on_its_day(make, session, past):
    booking = came(make, session, past, 1, GLUTE)
    end = booking.slot.ends_at
    record_pain_after(session, booking, 3, end + dt.timedelta(minutes=1))
    session.commit()
    session.expire_all()
    screen = session.scalar(select(Screen))
    assert (screen.pain_after, screen.pain_after_at) == (3, end + dt.timedelta(minutes=1))
    assert booking.updated_at == end + dt.timedelta(minutes=1)  # other tablets refresh
    assert screen.answers["low_back_pain"] == 8  # the raw answers are not where it goes


@pytest.mark.parametrize("bad", [11, -1, "7.5", None, True, "seven"])
def test_an_after_score_outside_0_to_10_is_refused_naming_score(make, session, past, bad):
    booking = came(make, session, past, 1, GLUTE)
    with pytest.raises(ValidationError) as caught:
        record_pain_after(session, booking, bad, booking.slot.ends_at)
    assert set(caught.value.errors) == {"score"}


def test_skipping_records_that_it_was_asked_and_no_score(make, session, past):
    booking = came(make, session, past, 1, GLUTE)
    record_pain_after(session, booking, None, booking.slot.ends_at, skip=True)
    session.commit()
    assert booking.screen.pain_after is None and booking.screen.pain_after_at is not None


def test_no_after_score_without_a_before_score_not_yet_or_another_day(make, session, past):
    no_back = came(make, session, past, 1, NECK_ONLY)
    with pytest.raises(NoBeforeScore):
        record_pain_after(session, no_back, 3, no_back.slot.ends_at)
    waiting = came(make, session, past, 2, GLUTE)
    waiting.status = "checked_in"
    with pytest.raises(NotNow):
        record_pain_after(session, waiting, 3, waiting.slot.ends_at)
    done = came(make, session, past, 3, GLUTE)
    with pytest.raises(NotNow):
        record_pain_after(session, done, 3, local(past, "08:00", days=1))


def test_the_tablet_asks_about_the_last_person_finished_until_answered(make, session, past):
    first = came(make, session, past, 1, GLUTE)
    second = came(make, session, past, 2, NECK_ONLY)
    second.status_changed_at = first.status_changed_at - dt.timedelta(minutes=30)
    assert pain_after_prompt([first, second]) is first
    first.screen.pain_after_at = first.status_changed_at
    assert pain_after_prompt([first, second]) is None
    # The last one finished had no lower-back score: nobody is asked.
    second.status_changed_at = first.status_changed_at + dt.timedelta(minutes=30)
    first.screen.pain_after_at = None
    assert pain_after_prompt([first, second]) is None


def test_two_days_later_people_with_a_back_score_are_asked_in_quiet_hours(make, session, past):
    glute = came(make, session, past, 1, GLUTE)
    standard = came(make, session, past, 2, BACK_STANDARD)
    came(make, session, past, 3, NECK_ONLY)  # no back score: not asked
    came(make, session, past, 4, REFER)  # no massage: not asked
    late_evening = local(past, "22:30", days=2)
    assert ask_followups(session, late_evening, 48, TEXTS) == 2
    session.commit()
    texts = {m.booking_id: m for m in followups(session)}
    assert set(texts) == {glute.id, standard.id}
    assert all(m.send_at == local(past, "09:00", days=3) for m in texts.values())
    # Nobody here had a text before (no confirmation in this test), so the STOP line is added.
    assert texts[glute.id].body == (
        "chairops: How is your lower back today, 0 to 10? Reply with a number. "
        "Some soreness for 1-3 days after glute work is normal. " + STOP_LINE
    )
    assert texts[standard.id].body == (
        "chairops: How is your lower back today, 0 to 10? Reply with a number. " + STOP_LINE
    )
    assert glute.screen.followup_asked_at == local(past, "09:00", days=3)
    assert ask_followups(session, late_evening + dt.timedelta(hours=1), 48, TEXTS) == 0


def test_nobody_is_asked_early_without_consent_or_after_stop(make, session, past):
    early = came(make, session, past, 1, GLUTE)
    stopped = came(make, session, past, 2, GLUTE)
    no_consent = came(make, session, past, 3, GLUTE)
    no_consent.sms_consent = False
    record_opt_out(session, stopped.phone, "stop_reply", utcnow())
    session.commit()
    just_before = early.status_changed_at + dt.timedelta(hours=47, minutes=59)
    assert ask_followups(session, just_before, 48, TEXTS) == 0
    assert ask_followups(session, early.status_changed_at + dt.timedelta(hours=49), 48, TEXTS) == 1
    session.commit()
    assert [m.booking_id for m in followups(session)] == [early.id]


def test_with_no_delay_the_question_waits_only_for_the_undo_window(make, session, past):
    booking = came(make, session, past, 1, GLUTE)
    done = booking.status_changed_at  # a slot end on the event day, inside quiet hours
    assert ask_followups(session, done + dt.timedelta(minutes=2), 0, TEXTS) == 0
    assert ask_followups(session, done + dt.timedelta(minutes=6), 0, TEXTS) == 1
    session.commit()
    assert followups(session)[0].send_at == done + dt.timedelta(minutes=6)


def asked_and_sent(app, make, session, past, n=1, answers=GLUTE):
    """Attendee n was asked (inside quiet hours two days on) and the text went out."""
    booking = came(make, session, past, n, answers)
    ask_followups(session, local(past, "11:30", days=2), 48, TEXTS)
    session.commit()
    dispatch_once(app, limit=50, rate_per_second=0)
    return booking


def test_a_bare_number_from_the_phone_asked_records_the_follow_up_once(app, make, session, past):
    booking = asked_and_sent(app, make, session, past)
    assert followups(session)[0].status == "sent"
    now = utcnow()
    assert answer_followup(session, booking.phone, " 3 ", now, "chairops") == followup_thanks(
        "chairops"
    )
    session.commit()
    assert answer_followup(session, booking.phone, "5", now, "chairops") is not None
    session.commit()
    session.expire_all()
    screen = session.scalar(select(Screen))
    assert (screen.pain_followup, screen.pain_followup_at) == (3, now)


@pytest.mark.parametrize("body", ["11", "3.5", "three", "", "3 please"])
def test_anything_but_a_bare_0_to_10_records_nothing(app, make, session, past, body):
    booking = asked_and_sent(app, make, session, past)
    assert answer_followup(session, booking.phone, body, utcnow(), "chairops") is None
    session.commit()
    assert session.scalar(select(Screen.pain_followup)) is None


def test_a_number_from_a_phone_not_asked_or_asked_too_long_ago_records_nothing(
    app, make, session, past
):
    booking = asked_and_sent(app, make, session, past)
    assert answer_followup(session, phone(999), "3", utcnow(), "chairops") is None
    eight_days_on = utcnow() + dt.timedelta(days=8)
    assert answer_followup(session, booking.phone, "3", eight_days_on, "chairops") is None
    session.commit()
    assert session.scalar(select(Screen.pain_followup)) is None


def test_the_latest_asked_booking_of_a_phone_gets_the_number(app, make, session):
    older = event_on(make, local_today() - dt.timedelta(days=6))
    newer = event_on(make, local_today() - dt.timedelta(days=5), company=older.company)
    first = came(make, session, older, 1, GLUTE)
    ask_followups(session, local(older, "11:30", days=2), 48, TEXTS)
    session.commit()
    dispatch_once(app, limit=50, rate_per_second=0)
    second = came(make, session, newer, 1, GLUTE)  # the same phone, a day later
    ask_followups(session, local(newer, "11:30", days=2), 48, TEXTS)
    session.commit()
    dispatch_once(app, limit=50, rate_per_second=0)
    assert first.phone == second.phone
    answer_followup(session, second.phone, "2", utcnow(), "chairops")
    session.commit()
    session.expire_all()
    assert session.get(Screen, first.screen.id).pain_followup is None
    assert session.get(Screen, second.screen.id).pain_followup == 2
