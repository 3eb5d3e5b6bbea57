"""web.SessionsWhenUsed skips Flask's cookie set-up where no session cookie comes or goes.

It must answer exactly as Flask's own SecureCookieSessionInterface would: the same Set-Cookie
and Vary headers and the same session contents seen by the view, for any cookie that comes in
(none, Flask's own, a forged one) and anything a view does with the session.
"""

from __future__ import annotations

from flask import Flask, session
from flask.sessions import SecureCookieSessionInterface
from hypothesis import given, settings
from hypothesis import strategies as st

from chairops.web import SessionsWhenUsed

ACTIONS = {
    "nothing": lambda: None,
    "touch": lambda: session.accessed,  # only reaching flask.session marks it accessed
    "contains": lambda: "who" in session,
    "read": lambda: session.get("who"),
    "set": lambda: session.__setitem__("who", "pat"),
    "clear": lambda: session.clear(),
    "pop": lambda: session.pop("who", None),
    "permanent": lambda: setattr(session, "permanent", True),
}


def _app(interface) -> Flask:
    app = Flask(__name__)
    app.secret_key = "same secret"
    app.session_interface = interface

    @app.post("/<path:actions>")
    def act(actions: str):
        for name in actions.split("/"):
            ACTIONS[name]()
        return {"seen": dict(session)}

    return app


FLASKS, OURS = _app(SecureCookieSessionInterface()), _app(SessionsWhenUsed())


def _cookie_from_flask() -> str:
    reply = FLASKS.test_client().post("/set")
    return reply.headers["Set-Cookie"].split(";", 1)[0].split("=", 1)[1]


def _answer(app: Flask, cookie: str | None, actions: list[str]):
    client = app.test_client()
    if cookie is not None:
        client.set_cookie("session", cookie)
    reply = client.post("/" + "/".join(actions))
    cookies = [_readable(header) for header in reply.headers.getlist("Set-Cookie")]
    return reply.status_code, reply.get_json(), cookies, reply.vary


def _readable(set_cookie: str) -> tuple:
    """A Set-Cookie header with what it carries decoded, and without the clock in it: the
    signature and Expires hold the second they were made, which two answers need not share."""
    name, _, rest = set_cookie.partition("=")
    value, *attributes = rest.split("; ")
    carried = FLASKS.session_interface.get_signing_serializer(FLASKS).loads(value) if value else ""
    return name, carried, [a.split("=")[0] if a.startswith("Expires=") else a for a in attributes]


@settings(max_examples=150, deadline=None)
@given(
    cookie=st.sampled_from(["none", "flask", "forged", "empty"]),
    actions=st.lists(st.sampled_from(sorted(ACTIONS)), min_size=1, max_size=4),
)
def test_answers_as_flask_does(cookie: str, actions: list[str]):
    sent = {"none": None, "flask": _cookie_from_flask(), "forged": "x.y.z", "empty": ""}[cookie]
    assert _answer(OURS, sent, actions) == _answer(FLASKS, sent, actions)


def test_no_cookie_and_no_session_builds_no_serializer(monkeypatch):
    built = []
    original = SessionsWhenUsed.get_signing_serializer
    monkeypatch.setattr(
        SessionsWhenUsed,
        "get_signing_serializer",
        lambda self, app: built.append(1) or original(self, app),
    )
    assert _answer(OURS, None, ["touch", "contains"])[2] == []
    assert built == []
    _answer(OURS, None, ["set"])
    assert built == [1]  # a session that goes out is signed as Flask signs it
