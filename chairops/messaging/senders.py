"""Who actually sends a text: the console (the default) or Twilio, behind one small interface."""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import threading
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from flask import Flask
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from ..booking.phones import mask
from ..models import utcnow
from .outbox import redact_links

log = logging.getLogger(__name__)

TWILIO_API = "https://api.twilio.com"
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
    """Logs texts (masked) and remembers them in this process; for development and tests."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str, dt.datetime]] = []
        self._serial = itertools.count(1)
        self._lock = threading.Lock()

    def send(self, to, body, *, status_callback=None, valid_until_seconds=None) -> SendResult:
        """Record the text and log it without the full number or any token."""
        with self._lock:
            sid = f"CONSOLE{next(self._serial)}"
            self.sent.append((sid, to, body, utcnow()))
        log.info("text %s to %s (%d chars): %s", sid, mask(to), len(body), redact_links(body))
        return SendResult(sid, "sent")

    def find(self, to, body, since) -> str | None:
        """The SID of a text recorded here for this number and body since a time."""
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
                params["validity_period"] = max(
                    1, min(int(valid_until_seconds), MAX_VALIDITY_SECONDS)
                )
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


def build_sender(config, http_client: HttpClient | None = None) -> Sender:
    """The sender SMS_BACKEND names: `console` (default) or `twilio`."""
    backend = config.get("SMS_BACKEND", "console")
    if backend == "console":
        return ConsoleSender()
    if backend == "twilio":
        return TwilioSender.from_config(config, http_client)
    raise ValueError(f"Unknown SMS_BACKEND {backend!r}: use console or twilio")


def init_app(app: Flask) -> None:
    """Build the app's sender once, at start."""
    app.extensions["sms_sender"] = build_sender(app.config)
