"""Senders with the real twilio library; only its HTTP client is swapped for a scripted fake.

`FakeTwilioHttpClient` lives here and the dispatch and webhook tests import it.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import logging
import secrets
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from requests.exceptions import ConnectionError as RequestsConnectionError
from requests.exceptions import ConnectTimeout, ReadTimeout
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http import HttpClient
from twilio.http.response import Response

from chairops.messaging.dispatch import backoff
from chairops.messaging.senders import (
    FAILED,
    OPTED_OUT,
    RETRY,
    UNKNOWN,
    ConsoleSender,
    RebasedTwilioHttpClient,
    TwilioSender,
    build_sender,
    classify,
)
from chairops.models import utcnow

ACCOUNT = "AC" + "0" * 32
TWILIO = {
    "SMS_BACKEND": "twilio",
    "TWILIO_ACCOUNT_SID": ACCOUNT,
    "TWILIO_AUTH_TOKEN": "test-auth-token",
    "TWILIO_FROM": "+15005550006",
    "PUBLIC_BASE_URL": "https://chairops.example",
}
NUMBER = "+12025550123"
OK = "ok"  # accept the text
TIMEOUT = "timeout"  # the request never reached Twilio, but the client cannot tell
TIMEOUT_AFTER_ACCEPT = "timeout-after-accept"  # Twilio took it; the answer was lost


def error(status: int, code: int, message: str = "refused") -> tuple[int, dict]:
    """A scripted error answer in Twilio's (legacy) error format."""
    info = f"https://www.twilio.com/docs/errors/{code}"
    return status, {"code": code, "message": message, "more_info": info, "status": status}


@dataclass
class Seen:
    method: str
    url: str
    params: dict
    data: dict


class FakeTwilioHttpClient(HttpClient):
    """Twilio's Messages endpoints from a script; records every request the library makes."""

    def __init__(self, *script):
        super().__init__(logging.getLogger("tests.fake_twilio"), False, 10)
        self.script = list(script)
        self.requests: list[Seen] = []
        self.accepted: list[tuple[dt.datetime, dict]] = []
        self._lock = threading.Lock()

    def request(
        self, method, url, params=None, data=None, headers=None, auth=None, timeout=None,
        allow_redirects=False,
    ):  # fmt: skip
        with self._lock:
            self.requests.append(Seen(method, url, dict(params or {}), dict(data or {})))
            if method == "GET":
                return self._page(params or {})
            step = self.script.pop(0) if self.script else OK
            if step in (OK, TIMEOUT_AFTER_ACCEPT):
                message = self._accept(data)
        if step == OK:
            return Response(201, json.dumps(message))
        if step in (TIMEOUT, TIMEOUT_AFTER_ACCEPT):
            raise ReadTimeout("Read timed out. (read timeout=10)")
        if isinstance(step, Exception):
            raise step
        status, payload = step
        return Response(status, payload if isinstance(payload, str) else json.dumps(payload))

    def _accept(self, data) -> dict:
        now = utcnow()
        sid = "SM" + secrets.token_hex(16)
        message = {
            "sid": sid, "account_sid": ACCOUNT, "to": data["To"], "from": data.get("From"),
            "messaging_service_sid": data.get("MessagingServiceSid"), "body": data["Body"],
            "status": "queued", "direction": "outbound-api", "num_segments": "1",
            "date_created": email.utils.format_datetime(now), "date_sent": None,
            "uri": f"/2010-04-01/Accounts/{ACCOUNT}/Messages/{sid}.json",
        }  # fmt: skip
        self.accepted.append((now, message))
        return message

    def _page(self, params) -> Response:
        since = dt.datetime.fromisoformat(params["DateSent>"]) if "DateSent>" in params else None
        found = [
            m for at, m in self.accepted
            if m["to"] == params.get("To") and (since is None or at >= since)
        ]  # fmt: skip
        uri = f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
        page = {"messages": found, "first_page_uri": uri, "next_page_uri": None, "page": 0}
        page |= {"page_size": 20, "previous_page_uri": None, "start": 0, "uri": uri}
        return Response(200, json.dumps(page))

    def posts(self, body: str | None = None) -> list[Seen]:
        """The create-message requests, all or those with this body."""
        return [r for r in self.requests if r.method == "POST" and body in (None, r.data["Body"])]


def twilio_sender(*script, **settings) -> tuple[TwilioSender, FakeTwilioHttpClient]:
    fake = FakeTwilioHttpClient(*script)
    return build_sender({**TWILIO, **settings}, http_client=fake), fake


def test_twilio_sender_posts_to_from_body_and_status_callback():
    sender, fake = twilio_sender()
    result = sender.send(NUMBER, "See you at 2:15 PM", valid_until_seconds=600)
    (seen,) = fake.requests
    assert seen.method == "POST"
    assert seen.url == f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    assert seen.data["To"] == NUMBER and seen.data["Body"] == "See you at 2:15 PM"
    assert seen.data["From"] == "+15005550006"
    assert seen.data["StatusCallback"] == "https://chairops.example/twilio/status"
    # A validity period needs a messaging service; with a plain From it is not sent.
    assert "ValidityPeriod" not in seen.data and "MessagingServiceSid" not in seen.data
    assert result.sid.startswith("SM") and result.status == "queued"


def test_messaging_service_gets_the_validity_period_clamped():
    sender, fake = twilio_sender(TWILIO_FROM="", TWILIO_MESSAGING_SERVICE_SID="MG" + "1" * 32)
    sender.send(NUMBER, "Up next", valid_until_seconds=300)
    sender.send(NUMBER, "Tomorrow", valid_until_seconds=10**6)
    first, second = fake.requests
    assert first.data["MessagingServiceSid"] == "MG" + "1" * 32 and "From" not in first.data
    assert (first.data["ValidityPeriod"], second.data["ValidityPeriod"]) == (300, 36000)


def test_find_lists_by_recipient_and_time_and_matches_the_body():
    sender, fake = twilio_sender()
    since = utcnow() - dt.timedelta(minutes=1)
    sid = sender.send(NUMBER, "Your massage is booked").sid
    sender.send("+12025550999", "Your massage is booked")
    assert sender.find(NUMBER, "Your massage is booked", since) == sid
    assert sender.find(NUMBER, "Another text", since) is None
    listing = fake.requests[-1]
    assert listing.method == "GET" and listing.params["To"] == NUMBER
    assert listing.params["DateSent>"] == since.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        (error(400, 21211, "The 'To' number +12025550123 is not valid."), FAILED),
        (error(400, 21408), FAILED),
        (error(400, 21612), FAILED),
        (error(400, 21614), FAILED),
        (error(400, 30006), FAILED),
        (error(400, 21610, "Attempt to send to unsubscribed recipient"), OPTED_OUT),
        (error(429, 20429, "Too Many Requests"), RETRY),
        ((429, "<html>slow down</html>"), RETRY),
        (error(401, 20003, "Authenticate"), RETRY),
        (error(400, 21602, "Message body is required."), FAILED),
        ((500, "<html>Internal Server Error</html>"), UNKNOWN),
        (error(503, 20500), UNKNOWN),
        (TIMEOUT, UNKNOWN),
        (ConnectTimeout("connect timed out"), RETRY),
        (RequestsConnectionError("connection reset by peer"), UNKNOWN),
    ],
)
def test_what_each_twilio_answer_means(answer, outcome):
    sender, _ = twilio_sender(answer)
    with pytest.raises((TwilioException, ReadTimeout, RequestsConnectionError)) as raised:
        sender.send(NUMBER, "Hello")
    assert classify(raised.value) == outcome


def test_a_refused_connection_never_left_so_it_is_retried():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    sender = build_sender({**TWILIO, "TWILIO_API_BASE_URL": closed})
    try:
        with pytest.raises(RequestsConnectionError) as raised:
            sender.send(NUMBER, "Hello")
    finally:
        sender.client.http_client.session.close()
    assert classify(raised.value) == RETRY


def test_the_newer_problem_json_errors_are_understood_too():
    problem = {"type": "https://www.twilio.com/docs/errors/20429", "title": "Too many requests"}
    sender, _ = twilio_sender((429, {**problem, "status": 429, "code": 20429}))
    with pytest.raises(TwilioServiceException) as raised:
        sender.send(NUMBER, "Hello")
    assert classify(raised.value) == RETRY
    assert not isinstance(raised.value, TwilioRestException)


def test_backoff_grows_exponentially_with_jitter_and_a_cap():
    lows = [backoff(n, rand=lambda: 0.0).total_seconds() for n in range(1, 8)]
    highs = [backoff(n, rand=lambda: 1.0).total_seconds() for n in range(1, 8)]
    assert lows == [15, 30, 60, 120, 240, 480, 900]
    assert highs == [30, 60, 120, 240, 480, 960, 1800]


def test_console_sender_logs_only_a_masked_number_and_no_token(caplog):
    sender = ConsoleSender()
    body = "Booked! Change or cancel: https://chairops.example/b/AbCdEfGhIjKlMnOpQrStUvWxYz123"
    with caplog.at_level(logging.INFO, logger="chairops.messaging.senders"):
        first = sender.send(NUMBER, body)
        second = sender.send(NUMBER, "Another")
    # Unique in every process (issue 12: CONSOLE1 in two dispatchers lost the record of texts).
    assert first.sid != second.sid and {first.sid[:7], second.sid[:7]} == {"CONSOLE"}
    assert NUMBER not in caplog.text and "AbCdEfGhIjKl" not in caplog.text
    assert "0123" in caplog.text and "/b/…" in caplog.text
    since = utcnow() - dt.timedelta(minutes=1)
    assert sender.find(NUMBER, body, since) == first.sid
    assert sender.find(NUMBER, body, utcnow() + dt.timedelta(minutes=1)) is None


def test_build_sender_refuses_half_configured_twilio():
    assert isinstance(build_sender({}), ConsoleSender)
    with pytest.raises(ValueError, match="TWILIO_AUTH_TOKEN"):
        build_sender({**TWILIO, "TWILIO_AUTH_TOKEN": ""})
    with pytest.raises(ValueError, match="TWILIO_FROM"):
        build_sender({**TWILIO, "TWILIO_FROM": ""})
    with pytest.raises(ValueError, match="SMS_BACKEND"):
        build_sender({"SMS_BACKEND": "carrier-pigeon"})
    sender = build_sender(TWILIO)
    assert isinstance(sender.client.http_client, RebasedTwilioHttpClient)
    assert sender.client.http_client.timeout == 10


class _MockTwilio(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list = []

    def do_POST(self):
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        self.seen.append((self.path, self.headers.get("Authorization", ""), form))
        body = json.dumps({"sid": "SM" + "a" * 32, "status": "queued", "body": form["Body"][0]})
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def mock_twilio():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _MockTwilio)
    _MockTwilio.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _MockTwilio.seen
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_api_base_url_sends_the_librarys_own_request_elsewhere(mock_twilio, caplog):
    base, seen = mock_twilio
    sender = build_sender({**TWILIO, "TWILIO_API_BASE_URL": base + "/"})
    try:
        with caplog.at_level(logging.DEBUG):
            result = sender.send(NUMBER, "Hello from staging")
    finally:
        sender.client.http_client.session.close()
    ((path, authorization, form),) = seen
    assert path == f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    assert authorization.startswith("Basic ")
    assert form["To"] == [NUMBER] and form["From"] == ["+15005550006"]
    assert result.sid == "SM" + "a" * 32
    assert NUMBER not in caplog.text and "test-auth-token" not in caplog.text
