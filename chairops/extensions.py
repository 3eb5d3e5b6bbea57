"""Flask extensions, created unbound and attached in create_app."""

import hashlib
import time

from flask import current_app, request, session
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


def client_key() -> str:
    """Who a rate limit counts: a bearer token, a signed-in staff member, else the address."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer ") and request.path.startswith("/api/"):
        return "bearer:" + hashlib.sha256(header.encode()).hexdigest()[:32]
    if not request.path.startswith("/api/") and session.get("_user_id"):
        return "staff:" + hashlib.sha256(str(session["_user_id"]).encode()).hexdigest()[:32]
    return get_remote_address()


def ping_after_idle(engine, seconds: float) -> None:
    """Check that a pooled connection is alive before use only once it has sat idle for more
    than `seconds` (HikariCP's rule), not on every checkout as pool_pre_ping does: a ping is a
    round trip, about a tenth of a busy worker's time in bench/claim_rush.py. A connection the
    server dropped is replaced before the request sees it (the pool tries a fresh one)."""

    @event.listens_for(engine, "checkin")
    def returned(dbapi_connection, record) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def taken(dbapi_connection, record, proxy) -> None:
        returned_at = record.info.get("returned_at")
        if returned_at is not None and time.monotonic() - returned_at <= seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # whatever the driver raises for a dead connection
            raise sa_exc.DisconnectionError("the pooled connection did not answer") from exc


def utc_sessions(engine) -> None:
    """PostgreSQL sessions run in UTC, whatever the server's TimeZone setting: the driver then
    hands back timestamps already in UTC (models.UTCDateTime converts nothing on PostgreSQL),
    and any date the SQL itself derives from a timestamp is a UTC date, never the server's."""
    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "do_connect")
    def connect_in_utc(dialect, record, cargs, cparams) -> None:
        # libpq's "options": -c settings for the new session; the last -c timezone wins.
        cparams["options"] = f"{cparams.get('options', '')} -c timezone=UTC".strip()


def _change_limit() -> str:
    return current_app.config["CLAIM_RATE_LIMIT"]


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
# Pages and JSON go out br- or gzip-compressed (static files are precompressed: see assets.py).
compress = Compress()

# One budget per client across every endpoint that creates, moves or cancels, not one per
# endpoint: alternating claim, cancel, join and leave draws on the same counter.
change_limit = limiter.shared_limit(
    _change_limit,
    scope="changes",
    key_func=client_key,
    methods=["POST", "PUT", "PATCH", "DELETE"],
)
