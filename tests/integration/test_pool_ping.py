"""A pooled connection is pinged before use only after sitting idle (extensions.ping_after_idle).

Real PostgreSQL: the server drops the connection (pg_terminate_backend), as a restart or an
idle timeout would.
"""

from __future__ import annotations

import time

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from chairops.extensions import autocommit_twin, db, run_in_autocommit

IDLE = 0.2  # seconds


@pytest.fixture
def app_config(request):
    return {"DB_PING_AFTER_IDLE_SECONDS": getattr(request, "param", IDLE)}


@pytest.fixture
def read(client, make, session):
    """GET the public event: one request, one pooled connection (the test's own is given back).

    The read runs outside a transaction: on PostgreSQL on the autocommit pool, whose
    connections are pinged by the same rule."""
    token = make.event().share_token
    session.close()
    return lambda: client.get(f"/api/v1/public/events/{token}")


@pytest.fixture
def pings(monkeypatch):
    counted = []
    for dialect in {db.engine.dialect, autocommit_twin(db.engine).dialect}:
        ping = dialect.do_ping
        monkeypatch.setattr(
            dialect, "do_ping", lambda conn, ping=ping: counted.append(1) or ping(conn)
        )
    return counted


def drop_the_pooled_connection(session, database_url: str) -> None:
    """Terminate the server side of the pooled connection the reads use."""
    run_in_autocommit(session())
    pid = session.execute(text("SELECT pg_backend_pid()")).scalar()
    session.close()
    url = database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", (pid,))


def test_a_busy_connection_is_not_pinged_an_idle_one_is(backend, read, pings):
    assert read().status_code == 200
    pings.clear()
    for _ in range(5):  # back to back, as in a rush
        assert read().status_code == 200
    assert pings == []
    time.sleep(IDLE * 1.5)
    assert read().status_code == 200
    assert pings == [1]


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_connection_dropped_while_idle_is_replaced_unseen(backend, read, session, database_url):
    assert read().status_code == 200
    drop_the_pooled_connection(session, database_url)
    time.sleep(IDLE * 1.5)
    assert read().status_code == 200


@pytest.mark.parametrize("backend", ["postgresql"])
@pytest.mark.parametrize("app_config", [3600.0], indirect=True)
def test_without_the_ping_the_dropped_connection_fails_the_request(
    backend, read, session, database_url
):
    """What the ping is for, and what it leaves: within the idle window nothing checks."""
    assert read().status_code == 200
    drop_the_pooled_connection(session, database_url)
    with pytest.raises(OperationalError):
        read()
    assert read().status_code == 200  # the pool noticed and reconnects
