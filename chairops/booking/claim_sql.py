"""A claim as one SQL statement on PostgreSQL: choose a chair, book it, leave the waitlist, text.

The portable path in service.py does the same in several statements (SQLite takes it); a
property test on PostgreSQL holds the two to the same answers. The unique indexes still settle
every race: `uq_bookings_slot_active` lets one active booking hold a slot and
`uq_bookings_event_phone_active` lets one number hold one booking per event; `ON CONFLICT DO
NOTHING` turns either clash into "no row inserted", and the caller tells the two apart.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import NamedTuple

from sqlalchemy import Boolean, Integer, String, bindparam, text
from sqlalchemy.orm import Session

from ..driversql import DriverStatement
from ..messaging.rules import segments
from ..models import ACTIVE_BOOKING_STATUSES, Timestamp

ACTIVE = ", ".join(f"'{status}'" for status in ACTIVE_BOOKING_STATUSES)

# Each CTE does one step; data-modifying CTEs run once, whether or not the final SELECT reads them.
CLAIM = f"""
WITH
-- The slots that already hold a booking (they are not free), and how busy each chair is.
taken AS (
    SELECT slot_id FROM bookings WHERE event_id = :event_id AND status IN ({ACTIVE})
),
chair_load AS (
    SELECT s.chair_id, count(*) AS n FROM taken JOIN slots s ON s.id = taken.slot_id
    GROUP BY s.chair_id
),
-- Slots kept for an open waitlist offer: nobody else may take them.
held AS (
    SELECT offered_slot_id FROM waitlist_entries
    WHERE event_id = :event_id AND status = 'offered' AND offered_slot_id IS NOT NULL
      AND offer_expires_at > :now
),
-- Is the asked start one of the event's times still to come?
asked AS (
    SELECT count(*) AS n FROM slots
    WHERE event_id = :event_id AND starts_at = :start AND starts_at > :now
),
-- The free slot at that start on the least-used chair (then the lowest number).
pick AS (
    SELECT s.id AS slot_id, s.chair_id, s.starts_at, s.ends_at, c.number, c.label,
           c.late_minutes, s.starts_at + c.late_minutes * interval '1 minute' AS expected,
           ltrim(to_char((s.starts_at + c.late_minutes * interval '1 minute') AT TIME ZONE :tz,
                         'HH12:MI AM'), '0') AS expected_clock,
           -- "up next": the lead time before the expected start, never before the event's
           -- local day (:day_start) nor before now; not sent once the expected start has come
           greatest(s.starts_at + (c.late_minutes - :lead_minutes) * interval '1 minute',
                    :day_start, :now) AS up_next_at
    FROM slots s
    JOIN chairs c ON c.id = s.chair_id
    LEFT JOIN chair_load l ON l.chair_id = s.chair_id
    WHERE s.event_id = :event_id AND s.starts_at = :start AND s.starts_at > :now
      AND s.id NOT IN (SELECT slot_id FROM taken)
      AND s.id NOT IN (SELECT offered_slot_id FROM held)
    ORDER BY coalesce(l.n, 0), c.number
    LIMIT 1
),
-- The booking; a clash on either unique index inserts nothing (see the module docstring).
ins AS (
    INSERT INTO bookings (
        event_id, slot_id, name, phone, phone_key, email, sms_consent, sms_consent_at, status,
        manage_token_hash, walk_in, created_at, updated_at, status_changed_at, revision
    )
    SELECT :event_id, pick.slot_id, :name, :phone, :phone_key, :email, :sms_consent,
           :sms_consent_at, 'booked', :token_hash, false, :now, :now, :now, 0
    FROM pick
    ON CONFLICT DO NOTHING
    RETURNING id, slot_id
),
-- Booking a time yourself takes you off this event's waitlist.
left_line AS (
    UPDATE waitlist_entries SET status = 'left', updated_at = :now
    WHERE event_id = :event_id AND phone = :phone AND status IN ('waiting', 'offered')
      AND EXISTS (SELECT 1 FROM ins)
    RETURNING id
),
-- The confirmation now, the morning reminder and "up next"; bodies come worded from Python
-- with markers where the chair number and the expected time go, and their segment counts
-- for each length of those two (:segments, a JSON table worked out in Python).
texts AS (
    INSERT INTO messages (
        booking_id, event_id, "to", kind, body, segments, send_at, valid_until, status,
        attempts, idempotency_key, created_at, updated_at
    )
    SELECT ins.id, :event_id, :phone, t.kind,
           replace(replace(t.body, :chair_marker, pick.number::text), :clock_marker,
                   pick.expected_clock),
           (SELECT x.n FROM json_to_recordset(CAST(:segments AS json))
                AS x(kind text, chair int, clock int, n int)
            WHERE x.kind = t.kind AND x.chair = length(pick.number::text)
              AND x.clock = length(pick.expected_clock)),
           t.send_at, t.valid_until, 'pending', 0,
           'booking:' || ins.id || ':' || t.kind || ':' || ins.slot_id, :now, :now
    FROM ins
    JOIN pick ON pick.slot_id = ins.slot_id
    CROSS JOIN LATERAL (VALUES
        ('confirmation', :confirmation_body, CAST(:now AS timestamptz), NULL::timestamptz,
         :textable),
        ('reminder', :reminder_body, :remind_at, :start, :textable AND :wants_reminder),
        ('up_next', :up_next_body, pick.up_next_at, pick.expected,
         :textable AND pick.up_next_at < pick.expected)
    ) AS t(kind, body, send_at, valid_until, wanted)
    WHERE t.wanted
    RETURNING id
)
SELECT (SELECT n FROM asked) AS asked,
       ins.id AS booking_id,
       pick.slot_id, pick.chair_id, pick.starts_at, pick.ends_at, pick.number, pick.label,
       pick.late_minutes,
       (SELECT count(*) FROM left_line) AS left_line,
       EXISTS (
           SELECT 1 FROM bookings
           WHERE event_id = :event_id AND phone_key = :phone_key AND status IN ({ACTIVE})
       ) AS phone_holds
FROM (SELECT 1) AS one
LEFT JOIN pick ON true
LEFT JOIN ins ON ins.slot_id = pick.slot_id
"""


def _compact(sql: str) -> str:
    """The statement without comments and runs of blanks: short enough for psycopg's cache."""
    lines = (line.split("--", 1)[0].strip() for line in sql.splitlines())
    return " ".join(line for line in lines if line)


STATEMENT = DriverStatement(
    text(_compact(CLAIM))
    .bindparams(
        bindparam("now", type_=Timestamp),
        bindparam("start", type_=Timestamp),
        bindparam("remind_at", type_=Timestamp),
        bindparam("sms_consent_at", type_=Timestamp),
        bindparam("lead_minutes", type_=Integer),
        bindparam("day_start", type_=Timestamp),
        bindparam("phone_key", type_=String),
        bindparam("email", type_=String),
    )
    .columns(
        asked=Integer,
        booking_id=Integer,
        slot_id=Integer,
        chair_id=Integer,
        starts_at=Timestamp,
        ends_at=Timestamp,
        number=Integer,
        label=String,
        late_minutes=Integer,
        left_line=Integer,
        phone_holds=Boolean,
    )
)


class Wording(NamedTuple):
    """The three texts' bodies, with markers for the chair number and the expected time."""

    chair_marker: str
    clock_marker: str
    confirmation: str
    reminder: str
    up_next: str
    remind_at: dt.datetime
    wants_reminder: bool


def segment_table(wording: Wording) -> str:
    """Each text's SMS segments for every length of chair number and expected time, as JSON.

    Digits and the clock's characters are all GSM-7, so texts that differ only in which digits
    fill the markers cost the same; the statement picks the row for the lengths it wrote.
    """
    bodies = {"confirmation": wording.confirmation, "reminder": wording.reminder}
    bodies["up_next"] = wording.up_next
    table = [
        {"kind": kind, "chair": digits, "clock": len(clock), "n": segments(
            body.replace(wording.chair_marker, "1" * digits).replace(wording.clock_marker, clock)
        )}
        for kind, body in bodies.items()
        for digits in (1, 2, 3)
        for clock in ("1:00 AM", "10:00 AM")
    ]  # fmt: skip
    return json.dumps(table)


def markers() -> tuple[str, str]:
    """Two strings no name or place can contain by chance, to stand for the chair and the time."""
    return f"@c{secrets.token_hex(8)}@", f"@t{secrets.token_hex(8)}@"


def run(session: Session, params: dict):
    """Execute the claim; one row: asked, booking_id (None if nothing was inserted), the pick."""
    return STATEMENT.one(session, params)
