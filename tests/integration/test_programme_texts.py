"""Who the waitlist did not seat at a programme date is told when the next date opens (issue 17)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from chairops import waitlist
from chairops.booking.service import cancel_booking
from chairops.clock import JOBS, programme_texts
from chairops.events.changes import cancel_event
from chairops.messaging.rules import MAX_LENGTH, is_plain
from chairops.models import Message, OptOut
from chairops.programmes.nudges import tell_next_dates
from tests.factories import phone
from tests.integration.test_programmes import CFG, claim, new_programme

NY = ZoneInfo("America/New_York")


@pytest.fixture(autouse=True)
def _both(backend):
    return backend


def at(day: int, hour: int, minute: int = 0, month: int = 1) -> dt.datetime:
    return dt.datetime(2031, month, day, hour, minute, tzinfo=NY).astimezone(dt.UTC)


@pytest.fixture
def waited(make, session):
    """7 Jan 2031, one chair, full; 4 let an offer lapse, 5 left, 6 got a chair, 7 said STOP."""
    coordinator = make.user("coordinator")
    programme = new_programme(session, coordinator, chairs=1)
    first = programme.events[0]
    t = first.signup_opens_at + dt.timedelta(days=2)
    booked = [claim(session, first, n, t) for n in (1, 2, 3)]
    entries = {
        n: waitlist.join(session, first, waitlist.Joiner(f"P{n}", phone(n), True), t, CFG)[0]
        for n in (4, 5, 6, 7)
    }
    waitlist.leave(session, entries[5], t, CFG)
    cancel_booking(session, booked[2], t, CFG)  # offered to 4 ...
    waitlist.tick(session, t + dt.timedelta(minutes=11), CFG)  # ... who lets it lapse: 6's turn
    waitlist.claim_offer(session, entries[6], t + dt.timedelta(minutes=12), CFG)
    session.add(OptOut(phone=phone(7), source="stop_reply"))
    session.commit()
    assert [entries[n].status for n in (4, 5, 6, 7)] == ["expired", "left", "booked", "waiting"]
    return programme


def texts_sent(session) -> list[Message]:
    return list(session.scalars(select(Message).where(Message.kind == "next_date_opens")))


def test_the_unseated_are_told_once_when_the_next_date_opens(session, waited):
    second = waited.events[1]
    assert tell_next_dates(session, at(7, 10, 30), CFG) == 0  # the date is still on
    assert tell_next_dates(session, at(7, 20, 30), CFG) == 1
    session.commit()
    (text,) = texts_sent(session)
    assert text.to == phone(4)
    assert text.event_id == second.id
    link = f"https://chairops.example/e/{second.share_token}"
    assert text.body.startswith(
        "chairops: sorry we had no chair for you on 7 Jan. Sign-up for 4 Feb opens "
        f"Tue 28 Jan at 9 AM: {link}"
    )
    assert len(text.body) <= MAX_LENGTH and is_plain(text.body)
    # After 8 PM: held to 9 AM the next morning, and worthless once sign-up has opened.
    assert text.send_at == at(8, 9)
    assert text.valid_until == second.signup_opens_at
    # The clock runs every ten minutes: nobody is told twice.
    assert tell_next_dates(session, at(7, 20, 40), CFG) == 0
    assert tell_next_dates(session, at(8, 10, 0), CFG) == 0
    session.commit()
    assert [m.to for m in texts_sent(session)] == [phone(4)]


def test_when_the_next_date_is_open_already_the_text_says_so(session, waited):
    second = waited.events[1]
    second.signup_opens_at = at(7, 9)
    session.commit()
    tell_next_dates(session, at(7, 15), CFG)
    (text,) = texts_sent(session)
    assert "Sign-up for 4 Feb is open now:" in text.body
    assert text.send_at == at(7, 15)
    assert text.valid_until == at(4, 10, month=2)  # the next date's first slot


def test_a_cancelled_next_date_is_passed_over(session, waited):
    cancel_event(session, waited.events[1], None, at(7, 12), CFG)
    session.commit()
    tell_next_dates(session, at(7, 15), CFG)
    (text,) = texts_sent(session)
    assert "Sign-up for 4 Mar opens Tue 25 Feb at 9 AM" in text.body


def test_dates_long_past_are_left_alone(session, waited):
    assert tell_next_dates(session, at(7, 15) + dt.timedelta(days=15), CFG) == 0


def test_the_clock_runs_the_job(app, session, waited):
    assert programme_texts in [job for job, _ in JOBS]
    assert programme_texts(app) == 0  # these dates are years away from the real clock
