"""Migration 83fd19a2382c keeps the lower-back score of screens whose raw answers remain."""

import datetime as dt

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from chairops import create_app
from chairops.extensions import db
from tests.conftest import throwaway_database

BEFORE = "a7d7a94cd141"
NOW = dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
        return
    with throwaway_database("chairops_outcomes_migrate") as url:
        yield url


def _insert(conn, table: str, **values) -> int:
    meta = sa.MetaData()
    reflected = sa.Table(table, meta, autoload_with=conn)
    return conn.execute(reflected.insert().values(**values)).inserted_primary_key[0]


def _screens(conn, answers_list):
    company = _insert(conn, "companies", name="Acme", timezone="UTC", country="US", created_at=NOW)
    event = _insert(
        conn, "events", company_id=company, title="Day", location="Here", room="",
        timezone="UTC", date=NOW.date(), start_time=dt.time(9), end_time=dt.time(12),
        slot_minutes=15, buffer_minutes=5, chairs_count=1, status="published",
        share_token="tok", reminder_lead_minutes=10, aftercare_delay_minutes=60,
        one_booking_per_person=True, created_at=NOW,
    )  # fmt: skip
    chair = _insert(conn, "chairs", event_id=event, number=1, label="", late_minutes=0, breaks=[])
    for n, answers in enumerate(answers_list):
        start = NOW + dt.timedelta(minutes=20 * n)
        slot = _insert(
            conn, "slots", event_id=event, chair_id=chair, starts_at=start,
            ends_at=start + dt.timedelta(minutes=15),
        )  # fmt: skip
        booking = _insert(
            conn, "bookings", event_id=event, slot_id=slot, name=f"P{n}", sms_consent=False,
            status="completed", manage_token_hash=f"h{n}", walk_in=False, created_at=NOW,
            updated_at=NOW, revision=0,
        )  # fmt: skip
        _insert(
            conn, "screens", booking_id=booking, answers=answers, routine="standard", rule="R7",
            reason="", rule_version="2026.1", cautions=[], taken_by="attendee", submitted_at=NOW,
        )  # fmt: skip


def test_the_before_score_is_copied_from_answers_not_yet_purged(empty_database):
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database, "TESTING": True})
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            _screens(conn, [{"low_back_pain": 8}, {"low_back_pain": None}, None, {"x": 1}])
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT pain_before FROM screens ORDER BY id")).all()
        assert [r[0] for r in rows] == [8, None, None, None]
        downgrade(revision=BEFORE)
        db.engine.dispose()
