"""The event-day simulator: one event, people booking over the days before, a fake clock from
three days before to two days after, the clock's jobs at every tick, and scripted moments.

Everything goes through the real services, the real clock jobs (chairops.clock.JOBS) and the
signed Twilio webhook; the clock is time-machine's, so code that reads the time itself
(dispatch, the jobs, row defaults) lives on the same fake clock as the script.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from chairops import waitlist
from chairops.booking.free_up import free_up
from chairops.booking.service import Claim, cancel_booking, claim_slot
from chairops.clock import JOBS
from chairops.models import LIVE_WAITLIST_STATUSES, Booking, Event, WaitlistEntry
from chairops.screening.service import submit_screen
from chairops.tablet.service import add_walk_in, load_queue, set_late, set_status
from chairops.web import text_settings
from tests.factories import phone

AUTH_TOKEN = "simulator-token"
SLOTS = ("10:00", "10:20", "10:40", "11:00", "11:20", "11:40")  # two chairs each
AFTERCARE_MINUTES = 480  # some tips fall before 20:00, some are held to the next morning
OFFER_LINK = re.compile(r"/w/([\w-]{20,})")
GLUTE = {
    "pain_areas": ["lower_back"], "low_back_pain": 8, "new_or_different": False,
    "leg_symptoms": "none", "red_flags": False, "conditions": [], "pressure": "firm",
}  # fmt: skip
SCREENS = {"glute": GLUTE, "red_flags": {**GLUTE, "low_back_pain": 5, "red_flags": True}}


@dataclass
class Person:
    name: str
    number: str
    start: str | None = None  # the local time they book
    minutes: int = 15  # how long their massage takes once started
    absent: bool = False  # a no-show
    booking_id: int | None = None
    token: str | None = None


@dataclass
class Log:
    """What the script did, for the checks: when each thing happened (UTC)."""

    seated: dict[int, dt.datetime] = field(default_factory=dict)  # booking -> in service
    freed: list[tuple[int, dt.datetime, int]] = field(default_factory=list)  # slot, when, waiting
    opted_out: dict[str, dt.datetime] = field(default_factory=dict)
    ticks: int = 0


class Simulator:
    """Builds the event, then runs the script and the clock jobs tick by tick."""

    def __init__(self, app, session, make, traveller, tz: str, day: dt.date):
        self.app, self.session, self.make, self.traveller = app, session, make, traveller
        self.tz, self.day, self.zone = tz, day, ZoneInfo(tz)
        self.client = app.test_client()
        self.log = Log()
        self.people = {f"P{n}": Person(f"Person {n}", phone(n)) for n in range(1, 13)}
        self.people |= {f"W{n}": Person(f"Waiting {n}", phone(60 + n)) for n in range(1, 5)}
        self.walk_in = Person("Wally Walkin", phone(90))
        self.now = self.local("00:00", -3)
        traveller.move_to(self.now)
        self.event = self._event()

    # --- time ---

    def local(self, hhmm: str, days: int = 0) -> dt.datetime:
        """A wall-clock time on the event's day (or `days` from it), as UTC."""
        clock = dt.time.fromisoformat(hhmm)
        moment = dt.datetime.combine(self.day + dt.timedelta(days=days), clock, self.zone)
        return moment.astimezone(dt.UTC)

    def ticks(self, actions: list[tuple[dt.datetime, Callable]]) -> list[dt.datetime]:
        """From three days before to two days after: every three hours, but hourly on the
        event's day (07:00-22:00, when tips fall due) and every 5 minutes while its morning is
        busy (09:00-12:30); and every moment the script acts (they act at tick times)."""
        day_hours, other_hours = [0, 3, 6, *range(7, 23)], range(0, 24, 3)
        steady = [
            self.local(f"{h:02d}:00", day)
            for day in range(-3, 3)
            for h in (day_hours if day == 0 else other_hours)
        ]
        busy, at = [], self.local("09:00")
        while at <= self.local("12:30"):
            busy.append(at)
            at += dt.timedelta(minutes=5)
        return sorted({*steady, *busy, *(when for when, _ in actions)})

    # --- the run ---

    def run(self) -> Log:
        actions = self.script()
        for tick in self.ticks(actions):
            self.now = tick
            self.traveller.move_to(tick)
            for act in (act for when, act in actions if when == tick):
                act()
                self.session.commit()
            if self.local("09:00") <= tick <= self.local("12:30"):
                self.therapists()
            for job, _seconds in JOBS:
                job(self.app)
            self.session.expire_all()
            self.log.ticks += 1
        return self.log

    def script(self) -> list[tuple[dt.datetime, Callable]]:
        """The days before and the event day, as people would live them (local times)."""
        hours = ("08:00", "10:00", "13:00", "16:00", "21:00", "23:30")
        plan = [  # twelve people book over two days, some late at night: the event is full
            (self.local(hours[i % 6], -3 + i // 6), self.book(f"P{i + 1}", SLOTS[i // 2]))
            for i in range(12)
        ]
        plan += [
            (self.local("11:00", -2), self.screen("P2", "glute")),
            *((self.local(f"08:0{n}", -1), self.join(f"W{n}")) for n in range(1, 5)),
            (self.local("09:30", -1), self.stop("P9")),
            (self.local("14:00", -1), self.cancel("P3")),  # W1 is offered the chair...
            (self.local("14:05", -1), self.claim("W1")),  # ...and takes it
            (self.local("19:00", -1), self.screen("P7", "red_flags")),
            (self.local("19:05", -1), self.release("P7")),  # W2 is offered it, lets it lapse
            (self.local("09:05"), self.claim("W3")),  # offered at 09:00, not in the night
            (self.local("10:00"), self.absent_at("11:00", chair=1)),  # a no-show to come
            (self.local("10:30"), self.late(2, 15)),  # chair 2 runs 15 minutes late
            (self.local("11:07"), self.claim("W4")),  # the no-show's chair, "free now"
            (self.local("11:25"), self.cancel("P12")),  # too late for anyone in line
            (self.local("11:30"), self.add_walk_in("P12")),  # a walk-in takes that chair
        ]
        self.people["P5"].minutes = 5  # an early finish on chair 1
        self.people["P4"].minutes = 30  # a long session on chair 2: it runs late
        return sorted(plan, key=lambda item: item[0])

    # --- the people ---

    def _event(self) -> Event:
        company = self.make.company(timezone=self.tz)
        event = self.make.event(
            company=company, chairs=2, date=self.day.isoformat(), start_time="10:00",
            end_time="12:00", title="Simulated massage day",
        )  # fmt: skip
        event.aftercare_delay_minutes = AFTERCARE_MINUTES
        self.session.commit()
        return event

    def _booking(self, who: str | Person) -> Booking:
        person = who if isinstance(who, Person) else self.people[who]
        return self.session.get(Booking, person.booking_id)

    def book(self, who: str, start: str):
        def act():
            person = self.people[who]
            claim = Claim(person.name, person.number, self.local(start).isoformat(), True)
            booking, person.token = claim_slot(
                self.session, self.event, claim, self.now, text_settings()
            )
            person.booking_id, person.start = booking.id, start

        return act

    def join(self, who: str):
        def act():
            person = self.people[who]
            joiner = waitlist.Joiner(person.name, person.number, True)
            waitlist.join(self.session, self.event, joiner, self.now, text_settings())

        return act

    def cancel(self, who: str):
        def act():
            booking = self._booking(who)
            cancel_booking(self.session, booking, self.now, text_settings())
            self._freed(booking.slot_id)

        return act

    def screen(self, who: str, answers: str):
        def act():
            person = self.people[who]
            submit_screen(
                self.session, self._booking(who), SCREENS[answers], self.now,
                token=person.token, texts=text_settings(),
            )  # fmt: skip

        return act

    def release(self, who: str):
        """'Free up my time for someone else' after a red-flag screen."""

        def act():
            booking = self._booking(who)
            free_up(self.session, booking, self.now, text_settings())
            self._freed(booking.slot_id)

        return act

    def claim(self, who: str):
        """Follow the link of the newest offer text this person received, and take it."""

        def act():
            person = self.people[who]
            sender = self.app.extensions["sms_sender"]
            bodies = [body for _, to, body, _ in sender.sent if to == person.number]
            token = OFFER_LINK.findall(bodies[-1])[-1]
            entry = waitlist.entry_by_token(self.session, token)
            booking, person.token = waitlist.claim_offer(
                self.session, entry, self.now, text_settings()
            )
            person.booking_id, person.start = booking.id, None

        return act

    def stop(self, who: str):
        """STOP through the signed inbound webhook, as Twilio would post it."""

        def act():
            form = {"From": self.people[who].number, "To": "+15005550006", "Body": "STOP"}
            url = self.app.config["PUBLIC_BASE_URL"] + "/twilio/inbound"
            signature = RequestValidator(AUTH_TOKEN).compute_signature(url, form)
            answer = self.client.post(
                "/twilio/inbound", data=form, headers={"X-Twilio-Signature": signature}
            )
            assert answer.status_code == 200
            self.log.opted_out[self.people[who].number] = self.now

        return act

    def late(self, number: int, minutes: int):
        def act():
            chair = self.event.chairs[number - 1]
            for _ in range(minutes // 5):  # three taps on "+5 min"
                set_late(self.session, chair, chair.late_minutes + 5, self.now, text_settings())

        return act

    def absent_at(self, start: str, chair: int):
        """Whoever holds that time on that chair by now will not come."""

        def act():
            for person in self.people.values():
                booking = person.booking_id and self._booking(person)
                if (
                    booking and booking.is_active and booking.slot.chair.number == chair
                    and booking.slot.starts_at == self.local(start)
                ):  # fmt: skip
                    person.absent = True

        return act

    def add_walk_in(self, instead_of: str):
        """A walk-in on the chair of the cancelled booking."""

        def act():
            chair = self._booking(instead_of).slot.chair
            booking = add_walk_in(
                self.session, chair, self.walk_in.name, self.walk_in.number, self.now
            )
            self.walk_in.booking_id = booking.id

        return act

    def _freed(self, slot_id: int) -> None:
        self.session.flush()
        waiting = self.session.scalar(
            select(func.count(WaitlistEntry.id)).where(
                WaitlistEntry.event_id == self.event.id,
                WaitlistEntry.status.in_(LIVE_WAITLIST_STATUSES),
            )
        )
        self.log.freed.append((slot_id, self.now, waiting))

    # --- the therapists, at every tick of the event's morning ---

    def therapists(self) -> None:
        absent = {p.booking_id for p in self.people.values() if p.absent and p.booking_id}
        minutes = {p.booking_id: p.minutes for p in self.people.values() if p.booking_id}
        for chair in self.event.chairs:
            self._work(chair, absent, minutes)
        self.session.commit()

    def _work(self, chair, absent: set[int], minutes: dict[int, int]) -> None:
        view = load_queue(self.session, chair)
        cfg, now = text_settings(), self.now
        serving = view.queue.now and view.bookings[view.queue.now.id]
        if serving:
            took = dt.timedelta(minutes=minutes.get(serving.id, 15))
            if now >= self.log.seated[serving.id] + took:
                set_status(self.session, serving, "completed", now, cfg)
                serving = None
        waiting = [view.bookings[e.id] for e in [view.queue.next, *view.queue.later] if e]
        for booking in waiting:
            expected = view.expected(booking)
            if booking.id in absent:
                if now >= expected + dt.timedelta(minutes=5):
                    set_status(self.session, booking, "no_show", now, cfg)
                    self._freed(booking.slot_id)
                continue
            # People come ten minutes early; someone who booked later comes when they booked.
            arrives = max(expected - dt.timedelta(minutes=10), booking.created_at)
            if booking.status == "booked" and now >= arrives:
                set_status(self.session, booking, "checked_in", now, cfg)
            if serving is None and booking.status == "checked_in" and now >= expected:
                set_status(self.session, booking, "in_service", now, cfg)
                self.log.seated[booking.id] = now
                serving = booking
