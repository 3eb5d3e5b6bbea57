"""Reads outside a transaction (extensions.run_in_autocommit), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from chairops.extensions import autocommit_twin, db, run_in_autocommit
from chairops.models import Company

pytestmark = pytest.mark.usefixtures("backend")


def autocommit(connection) -> bool:
    """What the driver's connection is set to (sqlite3 says autocommit with no isolation level)."""
    driver = connection.connection.driver_connection
    if connection.dialect.name == "sqlite":
        return driver.isolation_level is None
    return driver.autocommit


def isolation(session) -> str:
    return "AUTOCOMMIT" if autocommit(session.connection()) else "a transaction"


def test_autocommit_lasts_until_the_transaction_ends(app):
    session = db.session()
    session.close()
    run_in_autocommit(session)
    assert isolation(session) == "AUTOCOMMIT"
    session.execute(text("SELECT 1"))
    assert isolation(session) == "AUTOCOMMIT"  # one connection for the whole transaction
    session.commit()
    assert isolation(session) != "AUTOCOMMIT"  # the next transaction is a real one
    session.close()
    run_in_autocommit(session)
    session.close()
    assert isolation(session) != "AUTOCOMMIT"
    session.close()


def test_a_session_already_in_a_transaction_keeps_it(app, make):
    session = db.session()
    company = make.company()
    company.name = "Renamed, not yet committed"
    session.flush()
    run_in_autocommit(session)
    assert isolation(session) != "AUTOCOMMIT"
    session.rollback()
    assert session.scalar(select(Company.name).where(Company.id == company.id)) != (
        "Renamed, not yet committed"
    )


def test_a_write_in_autocommit_is_committed_at_once(app, make):
    company_id = make.company().id
    session = db.session()
    session.close()
    run_in_autocommit(session)
    session.get(Company, company_id).name = "Written alone"
    session.flush()
    session.rollback()  # nothing to roll back: the UPDATE committed by itself
    session.close()
    assert session.scalar(select(Company.name).where(Company.id == company_id)) == "Written alone"


def test_connections_go_back_to_their_pools_in_their_own_mode(app, client, make):
    token = make.event().share_token
    db.session.close()
    for _ in range(3):
        assert client.get(f"/api/v1/public/events/{token}").status_code == 200
    with db.engine.connect() as conn:
        assert not autocommit(conn)
    with autocommit_twin(db.engine).connect() as conn:
        assert autocommit(conn)
