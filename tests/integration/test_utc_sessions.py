"""Timestamps come back as aware UTC on both databases, whatever PostgreSQL's own TimeZone.

A server (or a DATABASE_URL) may set another session zone; the app's sessions run in UTC all the
same (extensions.utc_sessions), which is what lets models.UTCDateTime read PostgreSQL's values
without converting them.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text

from chairops.models import Booking, utcnow


@pytest.fixture
def database_url(backend, request, tmp_path):
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite3'}"
    url = request.getfixturevalue("pg_database")["url"]
    # As if the server or the operator had chosen New York for every session.
    return f"{url}?options=-c%20timezone%3DAmerica/New_York"


def test_stored_instants_read_back_as_utc(backend, session, make):
    booking, _token = make.booking(make.event())
    written = dt.datetime(2027, 1, 15, 14, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    booking.created_at = written
    session.commit()
    booking_id = booking.id
    session.close()

    read = session.scalars(select(Booking.created_at).where(Booking.id == booking_id)).one()
    loaded = session.get(Booking, booking_id).created_at
    for value in (read, loaded):
        assert value == written
        assert value.tzinfo is dt.UTC
        assert value.isoformat() == "2027-01-15T19:30:00+00:00"
    if backend == "postgresql":
        assert session.execute(text("SHOW timezone")).scalar() == "UTC"
        now = session.execute(text("SELECT now()")).scalar()
        assert now.tzinfo is dt.UTC and abs(now - utcnow()) < dt.timedelta(minutes=1)


def test_public_times_are_the_venues_whatever_the_session_zone(backend, client, make):
    event = make.event(timezone="Europe/Berlin")
    body = client.get(f"/api/v1/public/events/{event.share_token}").get_json()
    first = dt.datetime.fromisoformat(body["times"][0]["start"])
    assert first.utcoffset() in (dt.timedelta(hours=1), dt.timedelta(hours=2))
    assert first.time() == event.start_time
