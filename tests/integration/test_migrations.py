"""`flask db upgrade` on an empty database gives exactly the schema the models describe."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from chairops import create_app
from chairops.extensions import db
from chairops.models import MESSAGE_KINDS, MESSAGE_STATUSES, Message, utcnow
from tests.conftest import throwaway_database


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
        return
    with throwaway_database("chairops_migrate") as url:
        yield url


def test_upgrade_from_empty_matches_the_models_and_downgrades_cleanly(empty_database):
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database, "TESTING": True})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        assert differences == []
        downgrade(revision="base")
        with db.engine.connect() as conn:
            remaining = set(db.inspect(conn).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        db.engine.dispose()


def test_a_migrated_database_takes_every_kind_and_status_the_models_know(empty_database):
    """CHECK constraints are not compared by autogenerate: every allowed value must insert."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database, "TESTING": True})
    with app.app_context():
        upgrade()
        now = utcnow()
        for n, kind in enumerate(MESSAGE_KINDS):
            db.session.add(
                Message(
                    to="+12025550100",
                    kind=kind,
                    body="Hi",
                    send_at=now,
                    status="pending",
                    attempts=0,
                    idempotency_key=f"check:{n}",
                )  # fmt: skip
            )
        for n, status in enumerate(MESSAGE_STATUSES):
            db.session.add(
                Message(
                    to="+12025550100",
                    kind="reply",
                    body="Hi",
                    send_at=now,
                    status=status,
                    attempts=0,
                    idempotency_key=f"status:{n}",
                )  # fmt: skip
            )
        db.session.commit()
        assert db.session.query(Message).count() == len(MESSAGE_KINDS) + len(MESSAGE_STATUSES)
        db.session.remove()
        db.engine.dispose()
