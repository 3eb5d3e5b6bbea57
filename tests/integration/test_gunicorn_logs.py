"""Issue 12, point 3: real gunicorn with access logging on keeps every token out of its logs.

gunicorn reads ./gunicorn.conf.py (its redacting logger). The test books, moves, screens, joins
a waitlist and opens an invite through the real server, then greps both logs for the tokens.
"""

from __future__ import annotations

import logging
import os
import re
import runpy
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests

from chairops import create_app, logredact
from chairops.extensions import db
from chairops.models import utcnow
from chairops.team.invites import create_invite
from tests.factories import Factory

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed(url: str) -> dict:
    """An open event, a full one (waitlist open), and an invite, in a fresh SQLite file."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        db.create_all()
        make = Factory(db.session)
        company = make.company()
        open_event = make.event(company=company)
        full = make.event(company=company, chairs=1, start_time="10:00", end_time="10:35")
        for n in (1, 2):
            make.booking(full, n)
        admin = make.user("admin")
        _, invite = create_invite(db.session, admin, "new@example.com", "coordinator", company,
                                  utcnow())  # fmt: skip
        db.session.commit()
        found = {"open": open_event.share_token, "full": full.share_token, "invite": invite}
        db.engine.dispose()
    return found


def start(tmp_path: Path, url: str, port: int) -> subprocess.Popen:
    env = {
        **os.environ, "DATABASE_URL": url, "SECRET_KEY": "gunicorn-log-test-" + "k" * 32,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", "CHAIROPS_ENV": "development",
        "SMS_BACKEND": "console", "DEV_SCHEDULER": "0",
    }  # fmt: skip
    command = [
        sys.executable, "-m", "gunicorn", "wsgi:app", f"--bind=127.0.0.1:{port}", "--workers=2",
        f"--access-logfile={tmp_path / 'access.log'}", f"--error-logfile={tmp_path / 'error.log'}",
        "--log-level=debug", "--capture-output", "--timeout=30",
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def wait_up(base: str, proc: subprocess.Popen, limit_s: float = 60) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"gunicorn exited with {proc.returncode}"
        try:
            if requests.get(f"{base}/healthz", timeout=5).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or a worker still booting
            pass
        time.sleep(0.2)
    pytest.fail(f"gunicorn not up after {limit_s:.0f}s")


def stop(proc: subprocess.Popen) -> None:
    for sig, wait_s in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=wait_s)
            return
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            continue


def csrf(page: requests.Response) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def walk(base: str, seeded: dict) -> list[str]:
    """A booking, a move, a screen, a waitlist join and an invite; return every token seen."""
    browser = requests.Session()
    api = f"{base}/api/v1/public/events/{seeded['open']}"
    times = requests.get(api, timeout=10).json()["times"]
    body = {"name": "Gus", "phone": "202-555-0177", "sms_consent": True, "start": times[0]["start"]}
    booking = requests.post(f"{api}/bookings", json=body, timeout=10).json()["booking"]
    token = booking["token"]
    manage = browser.get(f"{base}/b/{token}", timeout=10)
    moved = browser.post(
        f"{base}/b/{token}/move",
        data={"csrf_token": csrf(manage), "start": times[1]["start"]},
        timeout=10,
    )
    assert moved.status_code == 200 and "Your new time" in moved.text
    screen = {
        "pain_areas": ["neck_shoulders"], "leg_symptoms": "none", "red_flags": False,
        "conditions": [], "pressure": "medium", "avoid_note": "",
    }  # fmt: skip
    assert requests.put(f"{base}/api/v1/bookings/{token}/screen", json=screen, timeout=10).ok
    assert browser.get(f"{base}/b/{token}/screen", timeout=10).ok
    assert browser.get(f"{base}/b/{token}/calendar.ics", timeout=10).ok
    join = {"name": "Wyn", "phone": "202-555-0178", "sms_consent": True}
    wait_api = f"{base}/api/v1/public/events/{seeded['full']}/waitlist"
    place = requests.post(wait_api, json=join, timeout=10).json()["waitlist"]["token"]
    assert browser.get(f"{base}/w/{place}", timeout=10).ok
    assert requests.get(f"{base}/api/v1/waitlist/{place}", timeout=10).ok
    assert browser.get(f"{base}/e/{seeded['full']}", timeout=10).ok
    assert browser.get(f"{base}/invite/{seeded['invite']}", timeout=10).ok
    requests.get(f"{base}/b/{token}?from=/w/{place}", headers={"Referer": f"{base}/b/{token}"})
    return [token, place, seeded["invite"], seeded["open"], seeded["full"]]


def test_gunicorn_logs_hold_no_token(tmp_path):
    url = f"sqlite:///{tmp_path / 'gunicorn.sqlite3'}"
    seeded, port = seed(url), free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start(tmp_path, url, port)
    try:
        wait_up(base, proc)
        tokens = walk(base, seeded)
    finally:
        stop(proc)
    access = (tmp_path / "access.log").read_text()
    errors = (tmp_path / "error.log").read_text()
    assert "/b/… " in access or "/b/…/" in access  # logging was on, and redacted
    assert "POST /api/v1/public/events/…/waitlist" in access and "/invite/…" in access
    assert "Booting worker" in errors
    for token in tokens:
        assert token not in access, f"a token in the access log: {token[:6]}..."
        assert token not in errors, f"a token in the error log: {token[:6]}..."


def test_every_path_argument_that_can_hold_a_token_is_redacted(app):
    prefixes = logredact.token_prefixes(app.url_map)
    assert {"/b/", "/w/", "/e/", "/invite/", "/api/v1/bookings/", "/api/v1/waitlist/"} <= prefixes
    assert "/api/v1/public/events/" in prefixes
    for rule in app.url_map.iter_rules():
        if rule.arguments & {"token", "share_token"}:
            path = re.sub(r"<[^>]+>", "Tok3n_value-XYZ", rule.rule)
            assert "Tok3n" not in logredact.redact(f'"GET {path} HTTP/1.1"'), rule.rule


def test_ids_stay_readable_in_logs():
    assert logredact.redact("POST /api/v1/bookings/42/status") == "POST /api/v1/bookings/42/status"
    assert logredact.redact("GET /b/AbC-d_e/screen") == "GET /b/…/screen"


def test_gunicorn_access_atoms_are_redacted_in_place():
    """gunicorn logs its access line with a dict of atoms: the filter must reach into it."""
    atoms = {"r": "GET /w/SecretToken123 HTTP/1.1", "U": "/w/SecretToken123", "s": "200"}
    record = logging.LogRecord("gunicorn.access", logging.INFO, "", 0, "%(r)s %(s)s", (), None)
    record.args = atoms
    logredact.RedactTokens().filter(record)
    assert record.getMessage() == "GET /w/… HTTP/1.1 200" and atoms["U"] == "/w/…"


def test_a_loud_warning_for_memory_counters_with_several_workers(caplog):
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    server = SimpleNamespace(cfg=SimpleNamespace(workers=4), log=logging.getLogger("test.gunicorn"))
    production = {"CHAIROPS_ENV": "production", "RATELIMIT_STORAGE_URI": "memory://"}
    with pytest.MonkeyPatch.context() as env:
        for name, value in production.items():
            env.setenv(name, value)
        with caplog.at_level(logging.ERROR, logger="test.gunicorn"):
            config["on_starting"](server)
    assert "memory:// with 4 workers" in caplog.text
    assert logredact.rate_limit_warning(production, 1) is None
    shared = {**production, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379"}
    assert logredact.rate_limit_warning(shared, 4) is None
    assert logredact.rate_limit_warning({**production, "CHAIROPS_ENV": "development"}, 4) is None
