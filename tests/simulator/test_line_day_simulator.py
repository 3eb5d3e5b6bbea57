"""A walk-up line's day on a fake clock, with the clock's real jobs (chairops.clock.JOBS) at every
tick, in five venues and on both 2026 clock-change days of New York, on SQLite and PostgreSQL.

People turn up at random (seeded) from before joining opens to after closing, by phone or at the
kiosk; the two chairs call the next person whenever they are free; most called people come,
some do not and are requeued once, then taken off; one therapist leaves an hour early.
Every join is checked against the pure rule (walkup/rules.py `join_state`) for that moment: the
event-day simulator covers booked events only, and the clock once closed every line at its
opening while the rule said it was open.
After the day: everyone was called in line order, line texts were written only in the event's
hours, nothing is left to send, the event is completed, and whoever was still in line when it
closed is shown that it has closed, not a place in it.
"""

from __future__ import annotations

import datetime as dt
import random
import zlib
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, select

from chairops.clock import JOBS
from chairops.models import Booking, Chair, Event, LineEntry, Message
from chairops.tablet.service import set_status
from chairops.walkup import rules
from chairops.walkup.calls import LineEmpty, call_next, not_here
from chairops.walkup.service import (
    Joiner,
    LineClosed,
    front,
    hours_of,
    join,
    place_of,
    step_minutes,
    waiting_count,
)
from chairops.web import text_settings
from tests.factories import phone

pytestmark = pytest.mark.usefixtures("backend")

VENUES = [
    pytest.param("America/New_York", dt.date(2026, 6, 17), id="new-york"),
    pytest.param("Pacific/Kiritimati", dt.date(2026, 6, 17), id="kiritimati"),
    pytest.param("Pacific/Pago_Pago", dt.date(2026, 6, 17), id="pago-pago"),
    pytest.param("America/New_York", dt.date(2026, 3, 8), id="new-york-clocks-forward"),
    pytest.param("America/New_York", dt.date(2026, 11, 1), id="new-york-clocks-back"),
]
LINE = rules.LineSettings(join_early_minutes=30, grace_minutes=5, notice_place=3)
PEOPLE = 36
LINE_TEXTS = ("line_notice", "line_called", "line_missed")
MASSAGE = dt.timedelta(minutes=15)


class LineDay:
    """The line, the people who turn up and the two chairs, tick by tick."""

    def __init__(self, app, session, make, traveller, tz: str, day: dt.date):
        self.app, self.session, self.traveller = app, session, traveller
        self.tz, self.day = tz, day
        self.rng = random.Random(zlib.crc32(f"{tz} {day}".encode()))
        traveller.move_to(self.local("00:00", -1))
        company = make.company(timezone=tz)
        self.event = make.event(
            company=company, kind="line", chairs=2, date=day.isoformat(),
            start_time="10:00", end_time="14:00", title="Simulated health fair",
        )  # fmt: skip
        # When each person turns up (local 09:00 to 14:30) and whether they come when called.
        minutes = sorted(self.rng.randrange(0, 330) for _ in range(PEOPLE))
        self.arrivals = {
            n: self.local("09:00") + dt.timedelta(minutes=m) for n, m in enumerate(minutes, 1)
        }
        self.comes = {n: self.rng.random() < 0.8 for n in self.arrivals}
        self.joins: list[tuple[int, dt.datetime, str, bool]] = []  # who, when, rule, joined
        self.calls: list[tuple[int, int]] = []  # (expected first in line, called) entry ids
        self.chairs: dict[int, dict] = {}  # number -> what the chair is doing
        self.ticks = 0

    def local(self, hhmm: str, days: int = 0) -> dt.datetime:
        moment = dt.datetime.combine(
            self.day + dt.timedelta(days=days), dt.time.fromisoformat(hhmm), ZoneInfo(self.tz)
        )
        return moment.astimezone(dt.UTC)

    def moments(self) -> list[dt.datetime]:
        """Hourly from the day before to the morning after; every 5 minutes from 08:30 to 15:00."""
        hourly = [self.local("00:00", -1) + dt.timedelta(hours=h) for h in range(55)]
        busy = [self.local("08:30") + dt.timedelta(minutes=5 * k) for k in range(79)]
        return sorted({*hourly, *busy, *self.arrivals.values()})

    def run(self) -> None:
        for now in self.moments():
            self.traveller.move_to(now)
            for n in [n for n, at in self.arrivals.items() if at == now]:
                self.turn_up(n, now)
            hours = hours_of(self.event)
            for chair in self.event.chairs:  # a chair busy at closing finishes its person
                # Chair 2's therapist leaves an hour early, so people are still in line at 14:00.
                last_call = hours.closes - dt.timedelta(hours=1 if chair.number == 2 else 0)
                if hours.opens <= now < hours.closes or chair.number in self.chairs:
                    self.work(chair, now, calls=now < last_call)
            self.session.commit()
            for job, _seconds in JOBS:
                job(self.app)
            self.session.expire_all()
            self.ticks += 1

    def turn_up(self, n: int, now: dt.datetime) -> None:
        """Join by phone, or at the kiosk for every fifth person; the rule says what to expect."""
        event = self.event
        rule = rules.join_state(
            now, hours_of(event), LINE.join_early_minutes, waiting_count(self.session, event.id),
            event.chairs_count, step_minutes(event), event.slot_minutes,
        )  # fmt: skip
        kiosk = n % 5 == 0
        who = Joiner(f"Person {n}") if kiosk else Joiner(f"Person {n}", phone(n), True)
        try:
            join(self.session, event, who, now, LINE, kiosk=kiosk)
            joined = True
        except LineClosed:
            self.session.rollback()
            joined = False
        self.joins.append((n, now, rule, joined))

    def work(self, chair: Chair, now: dt.datetime, calls: bool) -> None:
        """A free chair calls the next person (while the line is open: `calls`); a called person
        comes or, after the grace time, is 'not here'; a massage takes 15 minutes."""
        doing = self.chairs.get(chair.number)
        if doing is not None:
            entry = self.session.get(LineEntry, doing["entry"])
            booking = self.session.get(Booking, doing["booking"])
            if doing["phase"] == "massage":
                if now - doing["since"] >= MASSAGE:
                    set_status(self.session, booking, "completed", now, text_settings())
                    del self.chairs[chair.number]
                return
            person = int(entry.name.split()[-1])
            if self.comes[person] and now > doing["since"]:
                set_status(self.session, booking, "checked_in", now, text_settings())
                set_status(self.session, booking, "in_service", now, text_settings())
                doing.update(phase="massage", since=now)
            elif now - doing["since"] >= dt.timedelta(minutes=LINE.grace_minutes):
                not_here(self.session, entry, now, LINE, text_settings())
                del self.chairs[chair.number]
            return
        if not calls:
            return
        ahead = front(self.session, self.event.id, 1)
        try:
            entry = call_next(self.session, chair, now, LINE, text_settings())
        except LineEmpty:
            assert ahead == []
            return
        self.calls.append((ahead[0].id, entry.id))
        self.chairs[chair.number] = {
            "entry": entry.id, "booking": entry.booking_id, "phase": "called", "since": now,
        }  # fmt: skip


def check_the_line(session, sim: LineDay) -> None:
    event = session.get(Event, sim.event.id)
    hours = hours_of(event)

    # Every join went as the pure rule said for that moment, and the day had all three answers.
    wrong = [(n, when, rule) for n, when, rule, joined in sim.joins if joined != (rule == "open")]
    assert wrong == [], wrong
    assert {rule for _, _, rule, _ in sim.joins} >= {"not_yet", "open", "over"}
    assert sum(joined for *_, joined in sim.joins) >= PEOPLE // 2

    # Each call took whoever was first in line at that moment.
    assert sim.calls and all(expected == called for expected, called in sim.calls)

    # Line texts were written only in the event's hours, and none is left to send.
    messages = list(session.scalars(select(Message).where(Message.event_id == event.id)))
    line_texts = [m for m in messages if m.kind in LINE_TEXTS]
    assert {m.kind for m in line_texts} >= {"line_notice", "line_called"}
    assert all(hours.opens <= m.created_at < hours.closes for m in line_texts)
    assert not [m for m in messages if m.status in ("pending", "sending")]

    # The day is over: the event is completed, whoever was still in line when it closed is
    # shown that the line has closed (not a place in it), and each person came to a chair at
    # most once.
    assert event.status == "completed"
    live = session.scalars(
        select(LineEntry).where(LineEntry.event_id == event.id, LineEntry.status.in_(rules.LIVE))
    ).all()
    shown = {place_of(session, entry).status for entry in live}
    assert shown == {"closed", "served"}, shown  # chair 2 left early: some were still waiting
    served = select(Booking.name, func.count()).where(
        Booking.event_id == event.id, Booking.status == "completed"
    )
    assert all(n == 1 for _, n in session.execute(served.group_by(Booking.name)))


@pytest.mark.parametrize(("tz", "day"), VENUES)
@pytest.mark.usefixtures("fast_sqlite")
def test_the_line_day(app, session, make, tz, day):
    with time_machine.travel(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), tick=False) as traveller:
        sim = LineDay(app, session, make, traveller, tz, day)
        sim.run()
        session.expire_all()
        check_the_line(session, sim)
