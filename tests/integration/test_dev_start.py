"""`make run`'s one process (flask dev): links, demo texts and PUBLIC_BASE_URL follow the host
and port; a second start neither migrates nor seeds again (issue 13, points 13 and 14)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from chairops import create_app
from chairops.devserver import RULE, base_url, prepare
from chairops.extensions import db
from chairops.models import Booking, Event, Message, User
from tests.conftest import throwaway_database


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_app(request, tmp_path, monkeypatch):
    """An app on a database with no tables at all, as on a fresh clone."""
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    if request.param == "sqlite":
        yield _app(f"sqlite:///{tmp_path / 'dev.sqlite3'}")
        return
    with throwaway_database("chairops_dev") as url:
        yield _app(url)


def _app(url: str):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "x"})


def counts() -> dict:
    models = (User, Event, Booking, Message)
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in models}


def links(block: list[str]) -> list[str]:
    return re.findall(r"https?://\S+", "\n".join(block))


def test_links_demo_texts_and_public_url_follow_the_port(empty_app):
    with empty_app.app_context():
        block = prepare(empty_app, "127.0.0.1", 5050)
        assert empty_app.config["PUBLIC_BASE_URL"] == "http://127.0.0.1:5050"
        assert "Database migrated. Loaded the demo data." in "\n".join(block)
        assert len(links(block)) >= 6
        assert all(link.startswith("http://127.0.0.1:5050") for link in links(block))
        bodies = list(db.session.scalars(select(Message.body).where(Message.body.contains("://"))))
        assert len(bodies) >= 3  # the confirmations, and the reminders with their screen link
        assert all("http://127.0.0.1:5050/b/" in body for body in bodies)
        assert not any(":5000" in body for body in bodies)
        db.engine.dispose()


def test_a_second_start_neither_migrates_nor_seeds_and_prints_its_own_port(empty_app):
    with empty_app.app_context():
        prepare(empty_app, "127.0.0.1", 5050)
        before = counts()
        block = prepare(empty_app, "127.0.0.1", 5051)
        assert counts() == before
        assert "Database up to date. Demo data already loaded." in "\n".join(block)
        assert all(link.startswith("http://127.0.0.1:5051") for link in links(block))
        assert "admin@chairops.test" in "\n".join(block)
        # The block is framed, and nothing but a blank line follows the frame.
        text = [line for line in block if line]
        assert text[0] == RULE and text[-1] == RULE
        db.engine.dispose()


def test_a_public_base_url_given_is_kept(empty_app, monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://demo.example")
    empty_app.config["PUBLIC_BASE_URL"] = "https://demo.example"
    with empty_app.app_context():
        block = prepare(empty_app, "0.0.0.0", 5050)
        assert empty_app.config["PUBLIC_BASE_URL"] == "https://demo.example"
        assert "running at http://127.0.0.1:5050" in "\n".join(block)
        assert all(link.startswith("https://demo.example/") for link in links(block)[1:])
        db.engine.dispose()


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("127.0.0.1", "http://127.0.0.1:5050"),
        ("localhost", "http://localhost:5050"),
        ("0.0.0.0", "http://127.0.0.1:5050"),
        ("::1", "http://[::1]:5050"),
    ],
)
def test_base_url_is_what_a_browser_on_this_machine_opens(host, url):
    assert base_url(host, 5050) == url
