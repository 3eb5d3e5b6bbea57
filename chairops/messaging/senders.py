"""Who actually sends a text: the console (the default) or Twilio, behind one small interface."""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from flask import Flask
from requests import RequestException
from requests.exceptions import ConnectionError as RequestsConnectionError
from requests.exceptions import ConnectTimeout
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine
from twilio.base.exceptions import TwilioException
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from urllib3.exceptions import NewConnectionError

from ..models import ConsoleText, utcnow
from ..phones import mask
from ..tokens import hash_token, redact_links

log = logging.getLogger(__name__)

TWILIO_API = "https://api.twilio.com"
# What a failed send means for the text: see classify().
RETRY, FAILED, OPTED_OUT, UNKNOWN = "retry", "failed", "opted_out", "unknown"
PERMANENT_CODES = frozenset({21211, 21408, 21612, 21614, 30006})
OPTED_OUT_CODE = 21610
RATE_LIMITED_CODE = 20429
SEND_ERRORS = (TwilioException, RequestException)
_NUMBER = re.compile(r"\+?\d{6,}")
# Twilio accepts a validity period of 1 second to 10 hours.
MAX_VALIDITY_SECONDS = 36000


@dataclass(frozen=True)
class SendResult:
    sid: str
    status: str


class Sender(Protocol):
    def send(
        self,
        to: str,
        body: str,
        *,
        status_callback: str | None = None,
        valid_until_seconds: int | None = None,
    ) -> SendResult:
        """Hand one text to the provider; raise when it was refused or the outcome is unknown."""

    def find(self, to: str, body: str, since: dt.datetime) -> str | None:
        """The SID of a text with this body accepted for this number since a time, if any."""


class ConsoleSender:
    """Logs texts (masked) and records them; the default backend, for development and demos.

    Like Twilio, it gives every text its own id and keeps what it sent where every process and
    a restart can see it (the console_texts table, given an engine), so reconciliation finds a
    text that went out just before a crash instead of sending it again.
    """

    def __init__(self, engine: Callable[[], Engine] | None = None) -> None:
        self.sent: list[tuple[str, str, str, dt.datetime]] = []
        self._engine = engine
        self._lock = threading.Lock()

    def send(self, to, body, *, status_callback=None, valid_until_seconds=None) -> SendResult:
        """Record the text and log it without the full number or any token."""
        sid, now = "CONSOLE" + uuid.uuid4().hex, utcnow()
        if self._engine is not None:
            with self._engine().begin() as conn:  # committed at once, as an accepted text is
                row = {"sid": sid, "to": to, "body_hash": hash_token(body), "sent_at": now}
                conn.execute(insert(ConsoleText).values(**row))
        with self._lock:
            self.sent.append((sid, to, body, now))
        log.info("text %s to %s (%d chars): %s", sid, mask(to), len(body), redact_links(body))
        return SendResult(sid, "sent")

    def find(self, to, body, since) -> str | None:
        """The SID of a text recorded for this number and body since a time."""
        if self._engine is not None:
            with self._engine().connect() as conn:
                return conn.scalar(
                    select(ConsoleText.sid)
                    .where(ConsoleText.to == to, ConsoleText.sent_at >= since)
                    .where(ConsoleText.body_hash == hash_token(body))
                    .order_by(ConsoleText.sent_at)
                    .limit(1)
                )
        with self._lock:
            sent = list(self.sent)
        return next((s for s, t, b, at in sent if t == to and b == body and at >= since), None)


class RebasedTwilioHttpClient(TwilioHttpClient):
    """Twilio's HTTP client, optionally pointed at another base URL (a staging mock of the API).

    The library builds its requests as usual; only the scheme and host change on the way out.
    """

    def __init__(self, base_url: str = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/")

    def request(self, method, url, *args, **kwargs):
        if self.base_url and url.startswith(TWILIO_API + "/"):
            url = self.base_url + url[len(TWILIO_API) :]
        return super().request(method, url, *args, **kwargs)

    def log_request(self, kwargs) -> None:
        # The library would log query parameters (a list filtered by To holds a full number).
        self.logger.debug("%s %s", kwargs["method"], urlsplit(kwargs["url"]).path)


class TwilioSender:
    """Sends through the twilio library; built from the config at app start, never at import."""

    def __init__(
        self,
        client: Client,
        *,
        from_: str = "",
        messaging_service_sid: str = "",
        status_callback: str | None = None,
    ) -> None:
        if not (from_ or messaging_service_sid):
            raise ValueError("Twilio needs TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID")
        self.client = client
        self.from_ = from_
        self.messaging_service_sid = messaging_service_sid
        self.status_callback = status_callback

    @classmethod
    def from_config(cls, config, http_client: HttpClient | None = None) -> TwilioSender:
        """A sender from TWILIO_* settings; tests may hand in the HTTP client."""
        sid, token = config.get("TWILIO_ACCOUNT_SID"), config.get("TWILIO_AUTH_TOKEN")
        if not (sid and token):
            raise ValueError("SMS_BACKEND=twilio needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")
        http_client = http_client or RebasedTwilioHttpClient(
            config.get("TWILIO_API_BASE_URL", ""),
            timeout=config.get("TWILIO_TIMEOUT_SECONDS", 10),
        )
        return cls(
            Client(sid, token, http_client=http_client),
            from_=config.get("TWILIO_FROM", ""),
            messaging_service_sid=config.get("TWILIO_MESSAGING_SERVICE_SID", ""),
            status_callback=config["PUBLIC_BASE_URL"].rstrip("/") + "/twilio/status",
        )

    def send(self, to, body, *, status_callback=None, valid_until_seconds=None) -> SendResult:
        """Create the message at Twilio; the library raises TwilioException when refused."""
        params = {
            "to": to,
            "body": body,
            "status_callback": status_callback or self.status_callback,
        }
        if self.messaging_service_sid:
            params["messaging_service_sid"] = self.messaging_service_sid
            # Twilio honours a validity period only for texts sent through a messaging service.
            if valid_until_seconds is not None:
                seconds = min(int(valid_until_seconds), MAX_VALIDITY_SECONDS)
                params["validity_period"] = max(1, seconds)
        else:
            params["from_"] = self.from_
        message = self.client.messages.create(**params)
        return SendResult(message.sid, message.status)

    def find(self, to, body, since) -> str | None:
        """Look the text up at Twilio by recipient, send time and body (for reconciliation)."""
        for message in self.client.messages.list(to=to, date_sent_after=since, limit=20):
            if message.body == body:
                return message.sid
        return None


def classify(exc: Exception) -> str:
    """What a send error means: retry later, failed for good, opted out, or unknown."""
    code, status = getattr(exc, "code", None), getattr(exc, "status", None)
    if code == OPTED_OUT_CODE:
        return OPTED_OUT
    if code in PERMANENT_CODES:
        return FAILED
    if status == 429 or code == RATE_LIMITED_CODE:
        return RETRY
    if isinstance(exc, TwilioException) and isinstance(status, int):
        if status >= 500:
            return UNKNOWN  # Twilio may have accepted it before failing
        # Bad credentials may be fixed soon; any other refusal would repeat itself.
        return RETRY if status in (401, 403) else FAILED
    return RETRY if _never_left(exc) else UNKNOWN


def _never_left(exc: Exception) -> bool:
    if isinstance(exc, ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(exc, RequestsConnectionError) and isinstance(reason, NewConnectionError)


def describe_error(exc: Exception) -> tuple[str | None, str]:
    """The error code and a short text to keep, without a full phone number."""
    code = getattr(exc, "code", None)
    text = getattr(exc, "msg", None) or getattr(exc, "detail", None) or type(exc).__name__
    # Twilio's messages quote the number; keep only its last digits, as everywhere else.
    text = _NUMBER.sub(lambda m: mask(m.group()), str(text))
    return (str(code) if code is not None else None), text[:300]


def build_sender(
    config, http_client: HttpClient | None = None, engine: Callable[[], Engine] | None = None
) -> Sender:
    """The sender SMS_BACKEND names: `console` (default) or `twilio`."""
    backend = config.get("SMS_BACKEND", "console")
    if backend == "console":
        return ConsoleSender(engine)
    if backend == "twilio":
        return TwilioSender.from_config(config, http_client)
    raise ValueError(f"Unknown SMS_BACKEND {backend!r}: use console or twilio")


def init_app(app: Flask) -> None:
    """Build the app's sender once, at start."""
    from ..extensions import db

    def engine() -> Engine:
        with app.app_context():
            return db.engine

    app.extensions["sms_sender"] = build_sender(app.config, engine=engine)
