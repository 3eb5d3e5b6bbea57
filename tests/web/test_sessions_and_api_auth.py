"""Issue 12, points 2 and 6: the API acts on bearer tokens only, and signing out ends cookies.

Copied session and remember cookies stop working after sign-out (server-side), a new password
ends every other sign-in, and a cross-site text/plain POST with cookies changes nothing.
"""

from __future__ import annotations

import datetime as dt
from email.utils import parsedate_to_datetime

import pytest
from sqlalchemy import func, select

from chairops import config
from chairops.accounts.sessions import change_password
from chairops.models import Event, StaffSession, User, utcnow
from tests.factories import PASSWORD

pytestmark = pytest.mark.usefixtures("backend")

EVENT = {
    "title": "Cross-site", "location": "Nowhere", "timezone": "America/New_York",
    "date": "2031-06-03", "start_time": "10:00", "end_time": "12:00", "chairs": 1,
    "slot_minutes": 15, "buffer_minutes": 5,
}  # fmt: skip


def sign_in(client, user, remember=False):
    data = {"email": user.email, "password": PASSWORD} | ({"remember": "y"} if remember else {})
    response = client.post("/login", data=data)
    assert response.status_code == 302
    return response


def cookie(client, name: str) -> str:
    found = client.get_cookie(name)
    assert found is not None, f"no {name} cookie"
    return found.value


def opens_staff(app, **cookies) -> bool:
    """Whether a fresh browser holding only these cookies gets the staff home page."""
    other = app.test_client()
    for name, value in cookies.items():
        other.set_cookie(name, value)
    return other.get("/staff").status_code == 200


@pytest.fixture
def coordinator(make):
    return make.user("coordinator")


def test_copied_session_and_remember_cookies_stop_working_after_sign_out(app, client, coordinator):
    sign_in(client, coordinator, remember=True)
    session_cookie, remember = cookie(client, "session"), cookie(client, "remember_token")
    assert opens_staff(app, session=session_cookie)
    assert opens_staff(app, remember_token=remember)
    assert client.post("/logout").status_code == 302
    assert not opens_staff(app, session=session_cookie)
    assert not opens_staff(app, remember_token=remember)
    assert not opens_staff(app, session=session_cookie, remember_token=remember)


def test_signing_out_ends_only_that_browser(app, make, coordinator):
    laptop, tablet = app.test_client(), app.test_client()
    sign_in(laptop, coordinator)
    sign_in(tablet, coordinator)
    laptop.post("/logout")
    assert laptop.get("/staff").status_code == 302
    assert tablet.get("/staff").status_code == 200


def test_a_new_password_ends_every_other_sign_in(app, session, coordinator):
    mine, stolen = app.test_client(), app.test_client()
    sign_in(mine, coordinator, remember=True)
    sign_in(stolen, coordinator, remember=True)
    stolen_cookies = {n: cookie(stolen, n) for n in ("session", "remember_token")}
    with mine.session_transaction() as browser:
        keep = browser["_user_id"]
    user = session.get(User, coordinator.id)
    change_password(session, user, "a brand new passphrase", keep=keep)
    session.commit()
    assert mine.get("/staff").status_code == 200
    assert stolen.get("/staff").status_code == 302
    assert not opens_staff(app, remember_token=stolen_cookies["remember_token"])
    count = session.scalar(
        select(func.count(StaffSession.id)).where(StaffSession.user_id == user.id)
    )
    assert count == 1


def test_a_deactivated_user_is_signed_out_at_once(app, client, session, coordinator):
    sign_in(client, coordinator)
    session.get(User, coordinator.id).active = False
    session.commit()
    assert client.get("/staff").status_code == 302


def test_the_api_ignores_session_and_remember_cookies(app, client, session, coordinator):
    sign_in(client, coordinator, remember=True)
    assert client.get("/staff").status_code == 200  # the cookies work on pages
    assert client.get("/api/v1/me").status_code == 401
    assert client.post("/api/v1/events", json=EVENT).status_code == 401
    only_remember = app.test_client()
    only_remember.set_cookie("remember_token", cookie(client, "remember_token"))
    assert only_remember.get("/api/v1/me").status_code == 401
    assert session.scalar(select(func.count(Event.id))) == 0


def test_a_cross_site_text_plain_post_with_cookies_is_refused(client, session, coordinator):
    """What a form on another origin can send: text/plain, the victim's cookies, no header."""
    sign_in(client, coordinator, remember=True)
    forged = client.post(
        "/api/v1/events",
        data='{"title": "Cross-site", "ignored": "="}',
        content_type="text/plain",
        headers={"Origin": "https://evil.example"},
    )
    assert forged.status_code in (401, 415)
    assert forged.mimetype == "application/problem+json"
    assert session.scalar(select(func.count(Event.id))) == 0


def test_json_endpoints_answer_415_to_other_content_types(client, make):
    _, token = make.user("coordinator", api_token=True)
    headers = {"Authorization": f"Bearer {token}"}
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
        response = client.post(
            "/api/v1/events", data="{}", content_type=content_type, headers=headers
        )
        assert response.status_code == 415
        assert response.json["type"] == "/problems/unsupported-media-type"
    ok = client.post("/api/v1/events", json=EVENT, headers=headers)
    assert ok.status_code == 201
    charset = client.post(
        "/api/v1/events", data="{}", headers=headers, content_type="application/json; charset=utf-8"
    )
    assert charset.status_code == 422  # read as JSON: fields missing, not a media-type problem


def test_the_remember_cookie_is_lax_httponly_and_lasts_the_setting(client, coordinator):
    response = sign_in(client, coordinator, remember=True)
    remember = next(
        h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token=")
    )
    assert "SameSite=Lax" in remember and "HttpOnly" in remember
    expires = parsedate_to_datetime(remember.split("Expires=")[1].split(";")[0])
    assert abs((expires - utcnow()) - dt.timedelta(days=14)) < dt.timedelta(minutes=5)


def test_production_makes_cookies_secure_and_remember_days_is_a_setting(monkeypatch):
    monkeypatch.setenv("CHAIROPS_ENV", "production")
    monkeypatch.setenv("PUBLIC_BASE_URL", "http://misconfigured.example")
    monkeypatch.setenv("REMEMBER_DAYS", "3")
    settings = config.from_environment()
    assert settings["REMEMBER_COOKIE_SECURE"] and settings["SESSION_COOKIE_SECURE"]
    assert settings["REMEMBER_COOKIE_SAMESITE"] == "Lax" and settings["REMEMBER_COOKIE_HTTPONLY"]
    assert settings["REMEMBER_COOKIE_DURATION"].days == 3


def test_flask_set_password_ends_every_sign_in_of_that_user(app, client, coordinator):
    sign_in(client, coordinator, remember=True)
    remember = cookie(client, "remember_token")
    result = app.test_cli_runner().invoke(
        args=["set-password", "--email", coordinator.email],
        input="another long passphrase\nanother long passphrase\n",
    )
    assert result.exit_code == 0, result.output
    assert client.get("/staff").status_code == 302
    assert not opens_staff(app, remember_token=remember)
    fresh = app.test_client()
    fresh.post("/login", data={"email": coordinator.email, "password": "another long passphrase"})
    assert fresh.get("/staff").status_code == 200


def test_the_clock_ends_sign_ins_older_than_the_remember_days(app, client, session, coordinator):
    from chairops.clock import JOBS, end_old_sign_ins

    sign_in(client, coordinator, remember=True)
    assert end_old_sign_ins in [job for job, _ in JOBS]
    assert end_old_sign_ins(app) == 0
    session.scalar(select(StaffSession)).created_at = utcnow() - dt.timedelta(days=15)
    session.commit()
    assert end_old_sign_ins(app) == 1
    assert client.get("/staff").status_code == 302


def test_the_password_page_changes_it_and_signs_out_every_other_device(app, client, coordinator):
    laptop = app.test_client()
    sign_in(laptop, coordinator, remember=True)
    elsewhere = {
        "session": cookie(laptop, "session"),
        "remember_token": cookie(laptop, "remember_token"),
    }
    sign_in(client, coordinator)
    page = client.get("/account/password")
    assert page.status_code == 200 and b"Change password" in page.data
    new = "a-new-longer-secret"

    refused = {
        "not current": ({"current": "wrong-pass!", "password": new, "confirm": new}, "current"),
        "too short": ({"current": PASSWORD, "password": "short", "confirm": "short"}, "password"),
        "two different": ({"current": PASSWORD, "password": new, "confirm": new + "x"}, "confirm"),
    }  # fmt: skip
    for why, (form, field) in refused.items():
        answer = client.post("/account/password", data=form)
        assert answer.status_code == 422, why
        assert f'id="{field}-error"'.encode() in answer.data, why
        assert opens_staff(app, **elsewhere), f"{why}: nothing may change"

    done = client.post(
        "/account/password", data={"current": PASSWORD, "password": new, "confirm": new}
    )
    assert done.status_code == 302
    assert client.get("/staff").status_code == 200  # this device stays signed in
    assert not opens_staff(app, session=elsewhere["session"])
    assert not opens_staff(app, remember_token=elsewhere["remember_token"])
    assert (
        app.test_client()
        .post("/login", data={"email": coordinator.email, "password": PASSWORD})
        .status_code
        == 200
    )
    assert (
        app.test_client()
        .post("/login", data={"email": coordinator.email, "password": new})
        .status_code
        == 302
    )


def test_the_password_page_is_for_signed_in_staff_only(client):
    assert client.get("/account/password").status_code == 302
    assert client.post("/account/password", data={"current": "x"}).status_code == 302
