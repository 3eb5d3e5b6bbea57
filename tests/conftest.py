"""Fixtures: a fresh app and database per test, on SQLite and on PostgreSQL.

Under CI=true a PostgreSQL that cannot be reached fails the run; elsewhere those tests skip.
"""

from __future__ import annotations

import os
import secrets
import subprocess
from contextlib import contextmanager

import psycopg
import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from chairops import create_app
from chairops.extensions import db, dispose_engines
from tests import factories, nodejs

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"


def _unavailable(what: str, why: object):
    if IN_CI:
        pytest.fail(f"{what} is required under CI=true but unavailable: {why}")
    pytest.skip(f"{what} unavailable: {why}")


@contextmanager
def throwaway_database(prefix: str):
    """A new PostgreSQL database, yielded as a SQLAlchemy URL, dropped afterwards."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        _unavailable("PostgreSQL", exc)
    admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    try:
        yield f"{base}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


# What the schemathesis run sent (tests/web/test_api_fuzz.py), for the summary. A test's
# user_properties reach the process that prints the summary, with or without pytest-xdist.
FUZZ_SENT: dict = {}


def pytest_runtest_logreport(report):
    for name, value in report.user_properties:
        if name == "schemathesis":
            FUZZ_SENT.update(value)


def pytest_terminal_summary(terminalreporter):
    if FUZZ_SENT:
        terminalreporter.write_line(
            f"schemathesis: {FUZZ_SENT['requests']} requests over {FUZZ_SENT['operations']}"
            " operations (coordinator and admin tokens, valid and invalid data):"
            " 0 server errors, 0 schema violations"
        )


@pytest.fixture(scope="session")
def node_modules():
    """ical.js and axe-core from the npm registry, for tests that check pages and files."""
    try:
        return nodejs.node_modules()
    except (nodejs.NodeUnavailable, OSError, subprocess.SubprocessError) as exc:
        _unavailable("node packages", exc)


@pytest.fixture(scope="session")
def pg_database():
    """A throwaway PostgreSQL database for this test session, dropped at the end."""
    with throwaway_database("chairops_test") as url:
        yield {"url": url, "created": False}


class FreshContextClient(FlaskClient):
    """Each request gets its own app context, as in production.

    Without this, requests reuse the test's long-lived app context and share `g`
    (Flask-Login's cached user) and the database session from one request to the next.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def _config(url: str, **extra) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret",
        "RATELIMIT_ENABLED": False,
        "WTF_CSRF_ENABLED": False,
        "PUBLIC_BASE_URL": "https://chairops.example",
        "SERVER_NAME": None,
        **extra,
    }


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    """The database kind under test; integration tests run once on each."""
    return request.param


@pytest.fixture
def database_url(backend, request, tmp_path):
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite3'}"
    pg = request.getfixturevalue("pg_database")
    return pg["url"]


@pytest.fixture
def app_config():
    """Extra settings a test module may override."""
    return {}


@pytest.fixture
def app(request, app_config, tmp_path):
    url = (
        request.getfixturevalue("database_url")
        if "backend" in request.fixturenames
        else f"sqlite:///{tmp_path / 'test.sqlite3'}"
    )
    app = create_app(_config(url, **app_config))
    app.test_client_class = FreshContextClient
    with app.app_context():
        _fresh_schema(request, url)
        yield app
        db.session.remove()
        if url.startswith("postgresql"):
            _truncate_all()
        dispose_engines()


def _fresh_schema(request, url: str) -> None:
    if not url.startswith("postgresql"):
        db.create_all()
        return
    pg = request.getfixturevalue("pg_database")
    if not pg["created"]:
        db.drop_all()
        db.create_all()
        pg["created"] = True
    _truncate_all()


def _truncate_all() -> None:
    names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def session(app):
    return db.session


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make(session):
    """Factories with sensible defaults: make.company(), make.event(...), make.user(...)."""
    return factories.Factory(session)
