"""Settings from the environment (12-factor)."""

import datetime as dt
import os
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET_KEY = "dev-only-not-secret"
# Production keys must be at least this long (secrets.token_hex(32) gives 64).
SECRET_KEY_MIN = 32


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", f"sqlite:///{ROOT / 'instance' / 'chairops.sqlite3'}")
    # Heroku-style URLs say postgres://; SQLAlchemy wants the psycopg 3 driver named.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def from_environment() -> dict:
    """Build the Flask config mapping from environment variables."""
    public = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    production = os.environ.get("CHAIROPS_ENV", "development") == "production"
    secure = public.startswith("https://") or production
    return {
        "ENV_NAME": os.environ.get("CHAIROPS_ENV", "development"),
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": _database_url(),
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        # A pooled connection idle longer than this is pinged before use (extensions.py).
        "DB_PING_AFTER_IDLE_SECONDS": float(os.environ.get("DB_PING_AFTER_IDLE_SECONDS", "1")),
        "PUBLIC_BASE_URL": public,
        "BRAND_NAME": os.environ.get("BRAND_NAME", "chairops"),
        "SMS_BACKEND": os.environ.get("SMS_BACKEND", "console"),
        "TWILIO_ACCOUNT_SID": os.environ.get("TWILIO_ACCOUNT_SID", ""),
        "TWILIO_AUTH_TOKEN": os.environ.get("TWILIO_AUTH_TOKEN", ""),
        "TWILIO_FROM": os.environ.get("TWILIO_FROM", ""),
        "TWILIO_MESSAGING_SERVICE_SID": os.environ.get("TWILIO_MESSAGING_SERVICE_SID", ""),
        "TWILIO_API_BASE_URL": os.environ.get("TWILIO_API_BASE_URL", ""),
        "TWILIO_TIMEOUT_SECONDS": float(os.environ.get("TWILIO_TIMEOUT_SECONDS", "10")),
        # Texts per second the dispatcher sends at most (0: no cap).
        "SMS_RATE_PER_SECOND": float(os.environ.get("SMS_RATE_PER_SECOND", "10")),
        # Against SMS pumping: texts one number may get, texts per event slot, texts in all.
        "SMS_NUMBER_HOURLY_LIMIT": int(os.environ.get("SMS_NUMBER_HOURLY_LIMIT", "10")),
        "SMS_NUMBER_DAILY_LIMIT": int(os.environ.get("SMS_NUMBER_DAILY_LIMIT", "20")),
        "SMS_EVENT_HOURLY_PER_SLOT": int(os.environ.get("SMS_EVENT_HOURLY_PER_SLOT", "3")),
        "SMS_HOURLY_BUDGET": int(os.environ.get("SMS_HOURLY_BUDGET", "1000")),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_HEADERS_ENABLED": True,
        "CLAIM_RATE_LIMIT": os.environ.get("CLAIM_RATE_LIMIT", "60 per minute"),
        "SCREEN_RATE_LIMIT": os.environ.get("SCREEN_RATE_LIMIT", "30 per minute"),
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute"),
        # A freed chair is offered to the first in line for this long, then to the next.
        "WAITLIST_OFFER_MINUTES": int(os.environ.get("WAITLIST_OFFER_MINUTES", "10")),
        # Therapists may check someone in (or start) from this many minutes before their time.
        "CHECKIN_LEAD_MINUTES": int(os.environ.get("CHECKIN_LEAD_MINUTES", "60")),
        "SCREEN_RETENTION_DAYS": int(os.environ.get("SCREEN_RETENTION_DAYS", "7")),
        # A Twilio webhook's receipt (which makes a replay harmless) is kept this many days.
        "WEBHOOK_RECEIPT_DAYS": max(1, int(os.environ.get("WEBHOOK_RECEIPT_DAYS", "30"))),
        # Outcome reports show numbers only for groups of at least this many people (never < 2).
        "OUTCOMES_MIN_GROUP": max(2, int(os.environ.get("OUTCOMES_MIN_GROUP", "5"))),
        # Hours from a massage to the two-day pain text (0: at once), held to quiet hours.
        "FOLLOWUP_DELAY_HOURS": max(0, int(os.environ.get("FOLLOWUP_DELAY_HOURS", "48"))),
        # Walk-up lines: joining opens this long before the event starts; a called person has
        # this long to come ("Please come within 5 minutes"); the place that gets the "you're
        # 3rd in line" text.
        "LINE_JOIN_EARLY_MINUTES": int(os.environ.get("LINE_JOIN_EARLY_MINUTES", "30")),
        "LINE_GRACE_MINUTES": int(os.environ.get("LINE_GRACE_MINUTES", "5")),
        "LINE_NOTICE_PLACE": int(os.environ.get("LINE_NOTICE_PLACE", "3")),
        # An invite link for a new coordinator or therapist works once, within this many hours.
        "INVITE_TTL_HOURS": int(os.environ.get("INVITE_TTL_HOURS", "72")),
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_SECURE": secure,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_DURATION": dt.timedelta(days=int(os.environ.get("REMEMBER_DAYS", "14"))),
        # A phone left open on the sign-up page must still submit after lunch.
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 64 * 1024,
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        "DEV_SCHEDULER": _bool("DEV_SCHEDULER", False),
        # zstd would need another package; browsers all take br and gzip.
        "COMPRESS_ALGORITHM": ["br", "gzip"],
    }


def check_production(config: dict) -> None:
    """Refuse to run in production with the default, an empty or a short secret key."""
    if config.get("ENV_NAME") != "production":
        return
    key = config.get("SECRET_KEY") or ""
    if key == DEFAULT_SECRET_KEY or len(key) < SECRET_KEY_MIN:
        raise RuntimeError(
            f"SECRET_KEY must be set in production, at least {SECRET_KEY_MIN} characters "
            "(python -c 'import secrets; print(secrets.token_hex(32))')"
        )


class TextSettings(NamedTuple):
    """What the wording needs from configuration."""

    base_url: str
    brand: str
    offer_minutes: int = 10  # how long a freed chair is kept for the first on the waitlist

    def manage_url(self, token: str) -> str:
        return f"{self.base_url}/b/{token}"

    def screen_url(self, token: str) -> str:
        return f"{self.base_url}/b/{token}/screen"
