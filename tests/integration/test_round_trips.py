"""Statements per request on the hot paths, counted by an SQLAlchemy listener (not timed).

A regression that adds a round trip to the claim rush or the tablet's poll fails here.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import select, text

from chairops.extensions import Session, run_in_autocommit
from chairops.models import Booking, Event
from tests.factories import PASSWORD, phone
from tests.querycount import counting_queries, counting_round_trips

# The portable claim path on SQLite takes a few statements more (no data-modifying CTEs).
CLAIM_STATEMENTS = {"postgresql": 2, "sqlite": 13}


@pytest.fixture
def event(make, backend):
    event = make.event(chairs=3)
    event.share_token  # loaded now, so the test's own reads are not counted  # noqa: B018
    return event


def _times(client, event):
    return client.get(f"/api/v1/public/events/{event.share_token}").json["times"]


def _claim(client, event, n: int, start: str):
    body = {"name": f"Person {n}", "phone": phone(n), "start": start, "sms_consent": True}
    return client.post(f"/api/v1/public/events/{event.share_token}/bookings", json=body)


def test_the_availability_read_is_one_statement(client, event):
    for n in range(4):  # with bookings in place too
        with counting_queries() as statements:
            times = _times(client, event)
        assert len(statements) == 1, statements
        _claim(client, event, n, times[n]["start"])


def test_the_availability_read_begins_no_orm_session(client, event):
    """The JSON API's read runs on a pooled connection alone: no session is made, begun or
    closed for it (its statement is counted above)."""
    begun = []

    def record(session, transaction):
        begun.append(transaction)

    sa_event.listen(Session, "after_transaction_create", record)
    try:
        assert _times(client, event)
    finally:
        sa_event.remove(Session, "after_transaction_create", record)
    assert begun == []


def test_the_phone_event_page_is_one_statement(client, event):
    _claim(client, event, 1, _times(client, event)[0]["start"])
    with counting_queries() as statements:
        page = client.get(f"/e/{event.share_token}")
    assert page.status_code == 200
    assert len(statements) == 1, statements


def test_a_successful_claim_takes_at_most_two_statements_on_postgresql(
    client, event, backend, session
):
    times = _times(client, event)
    for n in range(3):  # an empty event, a busier one, the last chair at a start
        with counting_queries() as statements:
            response = _claim(client, event, n, times[0]["start"])
        assert response.status_code == 201, response.json
        assert len(statements) <= CLAIM_STATEMENTS[backend], statements
    assert session.query(Booking).count() == 3


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_claim_is_two_round_trips_commit_included(client, event, monkeypatch):
    """The event's read and the claim statement, each a transaction of its own: no BEGIN and no
    COMMIT (a refusal adds only the read of the nearest free times)."""
    start = _times(client, event)[0]["start"]
    for n in range(3):
        with counting_round_trips(monkeypatch) as sent:
            assert _claim(client, event, n, start).status_code == 201
        assert len(sent) == 2, sent
    with counting_round_trips(monkeypatch) as sent:
        assert _claim(client, event, 9, start).status_code == 409
    assert len(sent) == 3, sent
    with counting_round_trips(monkeypatch) as sent:
        assert _times(client, event)
    assert len(sent) == 1, sent


def test_the_tablet_poll_does_not_grow_with_the_queue(client, make, session, backend):
    event = make.event(chairs=1, end_time="20:00", slot_minutes=10, buffer_minutes=0)
    therapist = make.user("therapist")
    event.chairs[0].therapist = therapist
    session.commit()
    client.post("/login", data={"email": therapist.email, "password": PASSWORD})
    url = f"/tablet/events/{event.id}/chairs/1/live"
    counts = []
    for n in range(40):
        make.booking(event, n)
        if n + 1 in (5, 40):
            etag = client.get(url).headers["ETag"]
            with counting_queries() as statements:
                unchanged = client.get(url, headers={"If-None-Match": etag})
            assert unchanged.status_code == 304
            counts.append(len(statements))
    assert counts[0] == counts[1] <= 3, counts


def test_a_lost_race_still_answers_409_with_the_next_times(client, event, session):
    start = _times(client, event)[0]["start"]
    for n in range(3):
        assert _claim(client, event, n, start).status_code == 201
    lost = _claim(client, event, 9, start)
    assert lost.status_code == 409 and lost.json["type"] == "/problems/slot-taken"
    assert lost.json["next_times"]
    assert dt.datetime.fromisoformat(lost.json["next_times"][0]) > dt.datetime.fromisoformat(start)


def _prepared(session, reads: bool = False) -> list[str]:
    """The statements PostgreSQL holds prepared for one pooled connection: the one claims use,
    or with `reads` the one reads outside a transaction use (the autocommit pool)."""
    session.close()
    if reads:
        run_in_autocommit(session())
    try:
        return list(session.execute(text("SELECT statement FROM pg_prepared_statements")).scalars())
    finally:
        session.close()


@pytest.mark.parametrize("backend", ["postgresql"])
def test_reads_and_refused_claims_keep_the_prepared_statements(client, event, session):
    """psycopg forgets its prepared statements on every ROLLBACK, so PostgreSQL would plan the
    rush's statements anew: the availability read and the claim run without a transaction, on
    the autocommit pool. Counted in the server's own view of its (single, reused) connection."""
    session.close()  # the test's own session gives its connection back
    start = _times(client, event)[0]["start"]
    for n in range(3):  # fill the time: the next claims are refused
        assert _claim(client, event, n, start).status_code == 201
    for n in range(3, 10):  # past psycopg's threshold of 5 runs before it prepares
        assert _times(client, event)
        refused = _claim(client, event, n, start)
        assert refused.json["type"] == "/problems/slot-taken"
    page = client.post(
        f"/e/{event.share_token}",
        data={"name": "Page Person", "phone": phone(11), "start": start, "sms_consent": "yes"},
    )
    assert page.status_code == 409  # the phone page's refusal too
    prepared = " ".join(_prepared(session, reads=True))
    assert "UNION ALL" in prepared  # the availability read
    assert "company_id" in prepared  # the claim's event lookup
    assert "WITH taken AS" in prepared  # the claim itself


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_rolled_back_transaction_would_lose_them(event, session):
    """What the test above guards against: a ROLLBACK empties the connection's list."""
    session.close()
    for _ in range(6):  # past psycopg's threshold
        session.execute(select(Event.title).where(Event.id == event.id)).one()

    def prepared() -> int:
        return session.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar()

    before = prepared()  # on the pooled connection, in a transaction
    session.rollback()
    assert before > 0 and prepared() == 0
