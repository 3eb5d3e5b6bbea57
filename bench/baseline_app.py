"""The floor for bench/claim_rush.py: the claim API's two endpoints as bare WSGI and bare SQL.

No Flask, no ORM, no phone validation: availability is one SQL aggregate and a claim is ONE
INSERT ... SELECT that the partial unique indexes of the real schema settle
(uq_bookings_slot_active, uq_bookings_event_phone_active). It answers in the shapes of the
real API (API.md) that the benchmark relies on: 200 {"times": [{"start", "end", "available"}]},
201 {"booking": {...}}, 409 problem JSON of type /problems/slot-taken, 422 /problems/validation.
To stay one statement a claim does not tell an unknown event or a phone that already holds a
booking from a full time: each is a 409 slot-taken (the benchmark's phones are distinct).

Served by gunicorn (`gunicorn --pythonpath bench baseline_app:app`) with DATABASE_URL set;
each worker thread keeps one psycopg 3 connection in autocommit mode.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import secrets
import threading
from http import HTTPStatus

import psycopg

ACTIVE = "('booked', 'checked_in', 'in_service', 'completed')"
AVAILABILITY_SQL = f"""
SELECT s.starts_at, s.ends_at, count(*) FILTER (WHERE b.id IS NULL)
FROM slots s
JOIN events e ON e.id = s.event_id
LEFT JOIN bookings b ON b.slot_id = s.id AND b.status IN {ACTIVE}
WHERE e.share_token = %(token)s AND e.status = 'published' AND s.starts_at > now()
GROUP BY s.starts_at, s.ends_at
ORDER BY s.starts_at
"""
CLAIM_SQL = f"""
INSERT INTO bookings (event_id, slot_id, name, phone, phone_key, email, sms_consent,
    sms_consent_at, status, manage_token_hash, walk_in, created_at, updated_at,
    status_changed_at)
SELECT s.event_id, s.id, %(name)s, %(phone)s, %(phone)s, NULL, %(consent)s,
    CASE WHEN %(consent)s THEN now() END, 'booked', %(hash)s, false, now(), now(), now()
FROM slots s
JOIN events e ON e.id = s.event_id
WHERE e.share_token = %(token)s AND e.status = 'published' AND s.starts_at = %(start)s
  AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.slot_id = s.id AND b.status IN {ACTIVE})
ORDER BY s.chair_id
LIMIT 1
ON CONFLICT DO NOTHING
RETURNING id, slot_id
"""
ROUTE = re.compile(r"^/api/v1/public/events/(?P<token>[A-Za-z0-9_-]{1,64})(?P<claim>/bookings)?$")
_local = threading.local()


def connection() -> psycopg.Connection:
    """This worker thread's connection, opened on first use (after gunicorn forks)."""
    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        conn = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
        _local.conn = conn
    return conn


def respond(start_response, status: int, body: dict, problem: bool = False):
    data = json.dumps(body).encode()
    kind = "application/problem+json" if problem else "application/json"
    reason = HTTPStatus(status).phrase
    headers = [("Content-Type", kind), ("Content-Length", str(len(data)))]
    start_response(f"{status} {reason}", headers)
    return [data]


def problem(start_response, status: int, name: str, detail: str, title: str = "", **extra):
    """A problem answer; its title is the detail unless given, `extra` adds members."""
    body = {"type": f"/problems/{name}", "title": title or detail, "status": status}
    return respond(start_response, status, body | {"detail": detail} | extra, problem=True)


def availability(start_response, token: str):
    rows = connection().execute(AVAILABILITY_SQL, {"token": token}).fetchall()
    times = [{"start": s.isoformat(), "end": e.isoformat(), "available": n} for s, e, n in rows]
    return respond(start_response, 200, {"times": times})


def read_claim(environ) -> dict | None:
    """The claim's parameters from the JSON body, or None when they are unusable."""
    try:
        size = int(environ.get("CONTENT_LENGTH") or 0)
        body = json.loads(environ["wsgi.input"].read(size))
        start = dt.datetime.fromisoformat(body["start"])
        name, phone = body["name"], body["phone"]
    except (ValueError, KeyError, TypeError):
        return None
    if start.tzinfo is None or not isinstance(name, str) or not isinstance(phone, str):
        return None
    consent = body.get("sms_consent") is True
    return {"start": start, "name": name[:80], "phone": phone[:20], "consent": consent}


def claim(environ, start_response, token: str):
    params = read_claim(environ)
    if params is None:
        return problem(start_response, 422, "validation", "Give name, phone and start.")
    secret = secrets.token_urlsafe(32)
    params |= {"token": token, "hash": hashlib.sha256(secret.encode()).hexdigest()}
    row = connection().execute(CLAIM_SQL, params).fetchone()
    if row is None:
        return problem(start_response, 409, "slot-taken", "No chair is free at that time.")
    booking = {"token": secret, "start": params["start"].isoformat(), "status": "booked"}
    return respond(start_response, 201, {"booking": booking | {"slot_id": row[1]}})


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
