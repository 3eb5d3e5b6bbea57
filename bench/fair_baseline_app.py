"""The fair floor for bench/claim_rush.py: chairops' own SQL work, without Flask or the ORM.

bench/baseline_app.py is the bare floor: one INSERT ... SELECT, no texts, no waitlist, no chair
balancing, no held slots. This app does what the real claim does in the database: the
availability read joins the event as the app's does, and a claim runs the very statement of
chairops/booking/claim_sql.py (least-used chair, held slots skipped, the booker taken off the
waitlist, three texts written) with bodies worded by plain string formatting. Like the app, it
reads availability and claims outside a transaction (two round trips a claim), and
a refused claim names the nearest free times, read the same way, as the app's 409 does. It
validates the phone with phonenumbers, as the app does, since that is work every real claim needs,
and it answers as the app does, the same JSON for the same question (claim_rush.same_answers checks
it before every run): times in the event's zone, the sign-up rule, the booking's links.
What it leaves out is exactly what the comparison is about: Flask, the ORM, sessions and the
app's Python around them.

Served by gunicorn (`gunicorn --pythonpath bench fair_baseline_app:app`) with DATABASE_URL set;
each worker keeps one psycopg 3 connection in autocommit mode, as the app's reads and claims run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import secrets
import threading
from zoneinfo import ZoneInfo

import phonenumbers
import psycopg
from baseline_app import problem, respond  # the same answers as the bare floor

from chairops.booking.claim_sql import CLAIM, Wording, segment_table
from chairops.eventday.rules import event_day, signup_closes

ACTIVE = "('booked', 'checked_in', 'in_service', 'completed')"
# The app's availability read, as one statement: the event and its free chairs per time.
AVAILABILITY_SQL = f"""
SELECT e.id, e.status, e.timezone, e.title, e.location, e.room, e.date, e.reminder_lead_minutes,
       c.country, t.starts_at, t.ends_at, t.free,
       e.slot_minutes, e.start_time, e.end_time, e.signup_opens_at, e.signup_closes_at
FROM events e
JOIN companies c ON c.id = e.company_id
LEFT JOIN (
    SELECT s.starts_at, s.ends_at, sum(CASE WHEN b.id IS NULL THEN 1 ELSE 0 END) AS free
    FROM slots s
    LEFT JOIN bookings b ON b.event_id = s.event_id AND b.slot_id = s.id AND b.status IN {ACTIVE}
    WHERE s.event_id = (SELECT id FROM events WHERE share_token = %(token)s)
      AND s.starts_at > %(now)s
      AND s.id NOT IN (
          SELECT offered_slot_id FROM waitlist_entries
          WHERE event_id = (SELECT id FROM events WHERE share_token = %(token)s)
            AND status = 'offered' AND offered_slot_id IS NOT NULL
            AND offer_expires_at > %(now)s)
    GROUP BY s.starts_at, s.ends_at
) t ON true
WHERE e.share_token = %(token)s
ORDER BY t.starts_at
"""
EVENT_SQL = """
SELECT e.id, e.status, e.timezone, e.title, e.location, e.room, e.date, e.reminder_lead_minutes,
       c.country, e.start_time, e.end_time, e.signup_opens_at, e.signup_closes_at
FROM events e JOIN companies c ON c.id = e.company_id WHERE e.share_token = %(token)s
"""
# claim_sql.CLAIM is written for SQLAlchemy's :name parameters; psycopg takes %(name)s.
CLAIM_SQL = re.sub(r"(?<![:\w\\]):(\w+)(?!:)", r"%(\1)s", CLAIM.replace("%", "%%"))
# Columns of the claim's answer row (claim_sql.CLAIM's final SELECT).
BOOKING_ID, STARTS_AT, ENDS_AT, NUMBER, PHONE_HOLDS = 1, 4, 5, 6, 10
ROUTE = re.compile(r"^/api/v1/public/events/(?P<token>[A-Za-z0-9_-]{1,64})(?P<claim>/bookings)?$")
BASE = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1")
_local = threading.local()


def connection() -> psycopg.Connection:
    """This worker thread's connection, opened on first use (after gunicorn forks)."""
    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        # Autocommit throughout, as the app reads and claims: each statement is a transaction
        # of its own (the claim is one statement), so no BEGIN and no COMMIT.
        conn = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
        _local.conn = conn
    return conn


def availability(start_response, token: str):
    """The app's answer (API.md): the event, its times in its own zone, and whether its
    waitlist is open (sign-up open, times to come, none free)."""
    now = dt.datetime.now(dt.UTC)
    conn = connection()
    rows = conn.execute(AVAILABILITY_SQL, {"token": token, "now": now}).fetchall()
    if not rows or rows[0][1] == "draft":
        return not_found(start_response)
    first = rows[0]
    zone = ZoneInfo(first[2])
    times = [
        {
            "start": r[9].astimezone(zone).isoformat(),
            "end": r[10].astimezone(zone).isoformat(),
            "available": int(r[11]),
        }
        for r in rows
        if r[9] is not None
    ]
    event = {
        "title": first[3], "location": first[4], "timezone": first[2],
        "date": first[6].isoformat(), "slot_minutes": first[12], "status": first[1],
    }  # fmt: skip
    signup = signup_open(now, first[1], first[6], first[13], first[14], first[2], *first[15:17])
    full = bool(times) and not any(t["available"] for t in times)
    answer = {"event": event, "times": times, "waitlist_open": signup and full}
    return respond(start_response, 200, answer)


def signup_open(now, status, date, start, end, tz, opens_at, closes_at) -> bool:
    """seating.availability.signup_open, from the event's columns."""
    if status != "published" or (opens_at and now < opens_at):
        return False
    return now < signup_closes(event_day(date, start, end, tz).opens, closes_at)


def not_found(start_response):
    detail = "No event matches this link. Check the link you were sent."
    return problem(start_response, 404, "event-not-found", detail, "Event not found")


def next_times(conn, token: str, start: dt.datetime, now: dt.datetime, zone) -> list[str]:
    """Up to six free times nearest the refused one, later ones first (booking.service)."""
    rows = conn.execute(AVAILABILITY_SQL, {"token": token, "now": now}).fetchall()
    free = [r[9] for r in rows if r[9] is not None and r[11] > 0]
    later = [t for t in free if t > start]
    earlier = [t for t in free if t < start][::-1]
    return [t.astimezone(zone).isoformat() for t in sorted((later + earlier)[:6])]


def read_claim(environ) -> dict | None:
    try:
        size = int(environ.get("CONTENT_LENGTH") or 0)
        body = json.loads(environ["wsgi.input"].read(size))
        start = dt.datetime.fromisoformat(body["start"])
        name, phone = body["name"], body["phone"]
    except (ValueError, KeyError, TypeError):
        return None
    if start.tzinfo is None or not isinstance(name, str) or not isinstance(phone, str):
        return None
    return {"start": start, "name": name.strip()[:80], "phone": phone, "consent": True}


def wording(event, name: str, start: dt.datetime, secret: str, chair: str, clock: str):
    """The three texts as the app words them (messaging/texts.py), markers for chair and time."""
    zone = ZoneInfo(event[2])
    local = start.astimezone(zone)
    where = f"{event[5]}, {event[4]}" if event[5] else event[4]
    manage = f"{BASE}/b/{secret}"
    confirmation = (
        f"Chairops: {name.split()[0]}, your chair massage is booked for "
        f"{local.strftime('%a %-d %b, %-I:%M %p')} at {where}, chair {chair}. "
        f"Change or cancel: {manage} Reply STOP to opt out."
    )
    reminder = (
        f"Chairops: your chair massage is today at {local.strftime('%-I:%M %p')}, {where}. "
        f"Before you sit down, please answer 6 quick questions: {manage}/screen"
    )
    up_next = f"Chairops: you're up next! Chair {chair} is ready for you at {clock}, {where}."
    remind_at = dt.datetime.combine(event[6], dt.time(9), zone).astimezone(dt.UTC)
    return confirmation, reminder, up_next, remind_at


def claim(environ, start_response, token: str):
    conn = connection()
    event = conn.execute(EVENT_SQL, {"token": token}).fetchone()  # first, as the app reads it
    if event is None or event[1] == "draft":
        return not_found(start_response)
    params = read_claim(environ)
    if params is None:
        return problem(start_response, 422, "validation", "Give name, phone and start.")
    now = dt.datetime.now(dt.UTC)
    if not signup_open(now, event[1], event[6], *event[9:11], event[2], *event[11:13]):
        detail = "Sign-up for this event is closed."
        return problem(start_response, 410, "signup-closed", detail, "Sign-up is closed")
    try:
        number = phonenumbers.parse(params["phone"], event[8])
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        return problem(start_response, 422, "validation", "That number is not valid.")
    phone = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    secret = secrets.token_urlsafe(32)
    chair, clock = f"@c{secrets.token_hex(8)}@", f"@t{secrets.token_hex(8)}@"
    confirmation, reminder, up_next, remind_at = wording(
        event, params["name"], params["start"], secret, chair, clock
    )
    row = conn.execute(
        CLAIM_SQL,
        {
            "event_id": event[0],
            "start": params["start"],
            "now": now,
            "tz": event[2],
            "name": params["name"],
            "phone": phone,
            "phone_key": phone,
            "email": None,
            "sms_consent": True,
            "sms_consent_at": now,
            "token_hash": hashlib.sha256(secret.encode()).hexdigest(),
            "textable": True,
            "chair_marker": chair,
            "clock_marker": clock,
            "confirmation_body": confirmation,
            "reminder_body": reminder,
            "up_next_body": up_next,
            "remind_at": remind_at,
            "wants_reminder": now < remind_at < params["start"],
            "lead_minutes": event[7],
            "day_start": dt.datetime.combine(event[6], dt.time(0), ZoneInfo(event[2])),
            "segments": segment_table(
                Wording(chair, clock, confirmation, reminder, up_next, remind_at, True)
            ),
        },  # fmt: skip
    ).fetchone()
    if row[BOOKING_ID] is None and row[PHONE_HOLDS]:
        detail = "This number already has a booking at this event."
        return problem(start_response, 409, "already-booked", detail, "Already booked")
    if row[BOOKING_ID] is None:
        # The app's 409 names the nearest free times (API.md): the same read, the same pick.
        nearest = next_times(conn, token, params["start"], now, ZoneInfo(event[2]))
        detail = "Someone just took the last chair at that time."
        return problem(
            start_response, 409, "slot-taken", detail, "That time is taken", next_times=nearest
        )
    zone = ZoneInfo(event[2])
    booking = {
        "start": row[STARTS_AT].astimezone(zone).isoformat(),
        "end": row[ENDS_AT].astimezone(zone).isoformat(),
        "chair": row[NUMBER],
        "status": "booked",
        "token": secret,
        "manage_url": f"{BASE}/b/{secret}",
        "screen_url": f"{BASE}/b/{secret}/screen",
        "ics_url": f"{BASE}/b/{secret}/calendar.ics",
    }
    return respond(start_response, 201, {"booking": booking})


def app(environ, start_response):
    """Route the two endpoints; anything else is 404."""
    method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
    if path == "/healthz":
        connection().execute("SELECT 1")
        return respond(start_response, 200, {"status": "ok"})
    match = ROUTE.match(path)
    if match and method == "GET" and not match["claim"]:
        return availability(start_response, match["token"])
    if match and method == "POST" and match["claim"]:
        return claim(environ, start_response, match["token"])
    return problem(start_response, 404, "not-found", "Not found.")
