"""Years of one company's history, bulk-loaded with COPY for bench/scale.py.

Rows are what the app itself would have left behind (DESIGN.md section 2), and every
constraint holds: one active booking per slot and per phone and event, unique tokens, keys
and SIDs, slots from the real `generate_slots`. Past events stay `published` and their
leftover waitlist places stay `waiting`, as nothing in the app closes them today.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import psycopg

from chairops.events.rules import generate_slots

TZ = "America/New_York"
START, END = dt.time(9), dt.time(17)
SLOT_MINUTES, BUFFER_MINUTES, CHAIRS = 15, 5, 4  # 24 starts x 4 chairs = 96 slots an event
BOOKINGS_PER_PAST_EVENT = 80
CANCELLED_PER_PAST_EVENT = 6
EMPLOYEES = 1200  # the company's staff who book, as phone(0..1199)
RETENTION_DAYS = 7
ANSWERS = {
    "pain_areas": ["neck_shoulders"], "low_back_pain": None, "new_or_different": False,
    "leg_symptoms": "none", "red_flags": False, "conditions": [], "pressure": "medium",
    "avoid_note": "",
}  # fmt: skip
BODY = (
    "Chair massage: {name}, your chair massage is booked for Thu 3 Dec, 2:15 PM at 4th floor, "
    "1 Main Street, chair 2. Change or cancel: https://bench.example/b/… Reply STOP to opt out."
)

COLUMNS = {
    "events": (
        "id company_id title location room timezone date start_time end_time slot_minutes "
        "buffer_minutes chairs_count status share_token reminder_lead_minutes "
        "aftercare_delay_minutes one_booking_per_person created_at"
    ),
    "chairs": "id event_id number label therapist_id late_minutes breaks",
    "slots": "id event_id chair_id starts_at ends_at",
    "bookings": (
        "id event_id slot_id name phone phone_key sms_consent sms_consent_at status "
        "manage_token_hash walk_in created_at updated_at status_changed_at revision"
    ),
    "screens": (
        "id booking_id answers routine rule reason rule_version cautions pressure avoid_note "
        "taken_by submitted_at answers_purged_at"
    ),
    "messages": (
        "id booking_id event_id to kind body send_at valid_until status attempts claimed_at "
        "provider_sid idempotency_key created_at updated_at sent_at"
    ),
    "waitlist_entries": (
        "id event_id name phone sms_consent_at position status token_hash created_at updated_at"
    ),
}


def phone(n: int) -> str:
    """A distinct valid US mobile number for each n below 10,000 (as tests/factories.py)."""
    return f"+1202555{n:04d}"


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Tables:
    """Rows to COPY, per table, and the next free id of each."""

    rows: dict[str, list[tuple]] = field(default_factory=lambda: {t: [] for t in COLUMNS})
    next_id: dict[str, int] = field(default_factory=dict)

    def add(self, table: str, *values) -> int:
        row_id = self.next_id[table]
        self.next_id[table] = row_id + 1
        self.rows[table].append((row_id, *values))
        return row_id


@dataclass(frozen=True)
class EventPlan:
    """One event to build: its day, how many people booked, and whether it is over."""

    day: dt.date
    booked: int
    past: bool
    waiting: int = 0  # people left on its waitlist
    title: str = "Chair massage day"


class History:
    """Builds events with chairs, slots, bookings, screens, texts and waitlist places."""

    def __init__(self, conn: psycopg.Connection, company_id: int, therapist_id: int, now):
        self.conn, self.company_id, self.therapist_id = conn, company_id, therapist_id
        self.now = now  # texts due before it were delivered; screens older were purged
        self.tables = Tables()

    def add(self, plans: Iterable[EventPlan]) -> dict[str, int]:
        """Insert the planned events and everything under them; return row counts."""
        self.tables = Tables(next_id=self._next_ids())
        for plan in plans:
            self._event(plan)
        counts = {table: len(rows) for table, rows in self.tables.rows.items()}
        with self.conn.transaction(), self.conn.cursor() as cur:
            for table, rows in self.tables.rows.items():
                names = ", ".join(f'"{c}"' for c in COLUMNS[table].split())
                with cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
        return counts

    def _next_ids(self) -> dict[str, int]:
        query = "SELECT coalesce(max(id), 0) + 1 FROM {}"
        return {t: self.conn.execute(query.format(t)).fetchone()[0] for t in COLUMNS}

    def _event(self, plan: EventPlan) -> None:
        t, rng = self.tables, random.Random(plan.day.toordinal())
        day_start = dt.datetime.combine(plan.day, START, tzinfo=dt.UTC)
        created = min(day_start - dt.timedelta(days=30), self.now - dt.timedelta(days=10))
        event_id = t.add(
            "events", self.company_id, plan.title, "1 Main Street", "4th floor", TZ, plan.day,
            START, END, SLOT_MINUTES, BUFFER_MINUTES, CHAIRS, "published",
            f"bench-{plan.day.isoformat()}-{t.next_id['events']}", 10, 60, True, created,
        )  # fmt: skip
        chairs = {
            n: t.add("chairs", event_id, n, f"Chair {n}", self.therapist_id if n == 1 else None,
                     0, "[]")
            for n in range(1, CHAIRS + 1)
        }  # fmt: skip
        slots = [
            (t.add("slots", event_id, chairs[s.chair], s.start, s.end), s.start, s.end)
            for s in generate_slots(
                plan.day, START, END, TZ, SLOT_MINUTES, BUFFER_MINUTES, CHAIRS, breaks=[]
            )
        ]
        rng.shuffle(slots)
        people = rng.sample(range(EMPLOYEES), plan.booked + plan.waiting)
        cancelled = CANCELLED_PER_PAST_EVENT if plan.past else 0
        for index, person in enumerate(people[: plan.booked]):
            status = self._status(plan, rng, index, cancelled)
            self._booking(event_id, slots[index], person, status, created, rng)
        for position, person in enumerate(people[plan.booked :], start=1):
            t.add(
                "waitlist_entries", event_id, f"Waiting {person}", phone(person), created,
                position, "waiting", digest(f"bench-waitlist-{event_id}-{position}"), created,
                created,
            )  # fmt: skip

    @staticmethod
    def _status(plan: EventPlan, rng: random.Random, index: int, cancelled: int) -> str:
        if index < cancelled:
            return "cancelled"
        if not plan.past:
            return "booked"
        return "no_show" if rng.random() < 0.15 else "completed"

    def _booking(self, event_id, slot, person, status, created, rng) -> None:
        t = self.tables
        slot_id, starts, ends = slot
        number = phone(person)
        booked_at = min(created + dt.timedelta(hours=rng.randint(1, 600)), self.now)
        booking_id = t.add(
            "bookings", event_id, slot_id, f"Person {person}", number,
            None if status in ("cancelled", "no_show") else number, True, booked_at, status,
            digest(f"bench-booking-{event_id}-{slot_id}-{person}"), False, booked_at, booked_at,
            None if status == "booked" else ends, 0,
        )  # fmt: skip
        if status in ("booked", "completed", "no_show") and rng.random() < 0.6:
            self._screen(booking_id, starts, ends, booked_at)
        self._texts(booking_id, event_id, slot_id, number, status, booked_at, starts, ends, rng)

    def _screen(self, booking_id, starts, ends, booked_at) -> None:
        purged_at = ends + dt.timedelta(days=RETENTION_DAYS, hours=1)
        purged = purged_at <= self.now
        self.tables.add(
            "screens", booking_id, None if purged else json.dumps(ANSWERS), "standard", "R7",
            "", "2026.1", "[]", "medium", None, "attendee", booked_at,
            purged_at if purged else None,
        )  # fmt: skip

    def _texts(self, booking_id, event_id, slot_id, number, status, booked_at, starts, ends, rng):
        morning = dt.datetime.combine(starts.astimezone(ZoneInfo(TZ)).date(), dt.time(9))
        texts = [("confirmation", booked_at, None)]
        if rng.random() < 0.9:
            texts.append(("reminder", morning.replace(tzinfo=ZoneInfo(TZ)), None))
        if status != "cancelled":
            texts.append(("up_next", starts - dt.timedelta(minutes=10), starts))
        if status == "completed" and rng.random() < 0.2:
            texts.append(("tips", ends + dt.timedelta(minutes=60), None))
        for kind, send_at, valid_until in texts:
            self._text(booking_id, event_id, slot_id, number, kind, send_at, valid_until, status)

    def _text(self, booking_id, event_id, slot_id, number, kind, send_at, valid_until, status):
        t = self.tables
        gone = send_at <= self.now
        state = "delivered" if gone else ("cancelled" if status == "cancelled" else "pending")
        if kind != "confirmation" and status == "cancelled":
            state = "cancelled"
        sid = f"SM{t.next_id['messages']:032x}" if state == "delivered" else None
        t.add(
            "messages", booking_id, event_id, number, kind, BODY.format(name=f"P{booking_id}"),
            send_at, valid_until, state, 1 if sid else 0, send_at if sid else None, sid,
            f"booking:{booking_id}:{kind}:{slot_id}", send_at, send_at, send_at if sid else None,
        )  # fmt: skip
