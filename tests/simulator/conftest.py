"""What both simulators run with: texts as fast as the clock ticks (no pacing), a token to sign
Twilio's webhook, and a database that does not wait for the disk at each commit (a throwaway run
needs no durability, and a simulated day commits a few thousand times)."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from chairops.extensions import db
from tests.simulator.day import AUTH_TOKEN


@pytest.fixture
def app_config(backend):
    engine = {"pool_pre_ping": False, "pool_reset_on_return": None}
    if backend == "postgresql":
        engine["connect_args"] = {"options": "-c synchronous_commit=off"}
    return {
        "SMS_RATE_PER_SECOND": 0,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "SQLALCHEMY_ENGINE_OPTIONS": engine,
    }


@pytest.fixture
def fast_sqlite(app, backend):
    """SQLite: no fsync at each commit (PRAGMA synchronous=OFF) on every new connection."""
    if backend == "sqlite":
        event.listen(db.engine, "connect", lambda conn, _: conn.execute("PRAGMA synchronous=OFF"))
        db.engine.dispose()
