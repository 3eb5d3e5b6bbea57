"""Two people opening one invite at once on PostgreSQL: one account, the other gets InviteGone."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from chairops.errors import InviteGone
from chairops.extensions import db
from chairops.models import Invite, User, utcnow
from chairops.team.invites import accept_invite, create_invite, invite_by_token

PASSWORD = "a long new password"


@pytest.fixture(autouse=True)
def backend():
    # autouse: the app fixture only uses PostgreSQL when `backend` is among the test's fixtures.
    return "postgresql"


@pytest.fixture
def app_config():
    return {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 10, "max_overflow": 0}}


def test_simultaneous_accepts_of_one_invite_create_one_user(app, make, session):
    admin = make.user("admin")
    _, token = create_invite(session, admin, "twice@x.example", "therapist", None, utcnow())
    session.commit()
    racers = 6
    barrier = threading.Barrier(racers, timeout=30)

    def attempt(n):
        with app.app_context():
            try:
                # Everyone holds the invite as pending before anyone claims it, so only the
                # conditional update can tell the racers apart.
                invite_by_token(db.session, token, utcnow())
                barrier.wait()
                accept_invite(db.session, token, f"Racer {n}", PASSWORD, PASSWORD, utcnow())
                db.session.commit()
                return "joined"
            except InviteGone as exc:
                db.session.rollback()
                # "used already" comes from the claim; the unique email is only a backstop.
                return "gone" if "used already" in exc.detail else exc.detail
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=racers) as pool:
        outcomes = list(pool.map(attempt, range(racers)))
    assert sorted(outcomes) == ["gone"] * (racers - 1) + ["joined"]
    session.expire_all()
    count = session.scalar(select(func.count(User.id)).where(User.email == "twice@x.example"))
    assert count == 1
    invite = session.scalars(select(Invite)).one()
    assert invite.used_at is not None and invite.user_id is not None
