"""`flask db upgrade` on an empty database gives exactly the schema the models describe."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from chairops import create_app
from chairops.extensions import db
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
