"""Flask extensions, created unbound and attached in create_app."""

import hashlib
import time
import weakref

from flask import current_app, request, session
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from flask_wtf import CSRFProtect
from sqlalchemy import create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import DeclarativeBase, scoped_session


class Base(DeclarativeBase):
    pass


_AUTOCOMMIT = "chairops.autocommit"
_autocommit_twins: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class Session(FlaskSession):
    """Flask-SQLAlchemy's session, which can run a transaction's statements in autocommit mode.

    After `run_in_autocommit`, and until the transaction it begins ends, every statement goes
    to the autocommit twin of the engine it would have gone to (`add_autocommit_twin`).
    """

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        engine = super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)
        if self.info.get(_AUTOCOMMIT):
            return autocommit_twin(engine)
        return engine


@event.listens_for(Session, "after_transaction_end")
def _autocommit_ends_with_its_transaction(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_AUTOCOMMIT, None)


def run_in_autocommit(session: Session) -> None:
    """Begin the session's transaction on autocommit connections: each statement commits alone
    (a read needs no BEGIN and no ROLLBACK). A session already in a transaction keeps it."""
    session = _the_session(session)
    if session.in_transaction():
        return
    session.info[_AUTOCOMMIT] = True
    session.connection()


def end_autocommit(session: Session) -> None:
    """Leave autocommit mode: the next statement begins a real transaction. Nothing is left to
    commit (each statement committed alone), so loaded objects are kept, not expired."""
    session = _the_session(session)
    if session.info.get(_AUTOCOMMIT):
        commit_keeping_objects(session)


def commit_keeping_objects(session: Session) -> None:
    """Commit without expiring the loaded objects, for a request that has read from them all
    it answers with: expiring them (every attribute of every object) would be work thrown away."""
    session = _the_session(session)
    keep, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = keep


def _the_session(session):
    """The request's Session behind Flask-SQLAlchemy's scoped proxy (db.session), or itself."""
    return session() if isinstance(session, scoped_session) else session


def add_autocommit_twin(engine, options: dict, ping_seconds: float) -> None:
    """Give an engine the twin its sessions use for autocommit statements (see Session).

    On PostgreSQL the twin is a second pool whose connections stay in autocommit mode.
    Switching a pooled connection to autocommit and back costs more Python than the read it
    serves (four driver calls and SQLAlchemy's isolation bookkeeping per request), and always
    autocommit connections need no reset on return either (pool_reset_on_return=None: no
    transaction is ever left open on them). Elsewhere (SQLite) the twin stays the same pool,
    switched per use (autocommit_twin): a second pool of an SQLite file is not worth it.
    """
    if engine.dialect.name != "postgresql":
        return
    twin = create_engine(
        engine.url,
        **(options | {"isolation_level": "AUTOCOMMIT", "pool_reset_on_return": None}),
    )
    utc_sessions(twin)
    ping_after_idle(twin, ping_seconds)
    _autocommit_twins[engine] = twin


def autocommit_twin(engine):
    """The engine whose connections run each statement in autocommit mode (see Session): the
    second pool add_autocommit_twin gave it, else the engine's own pool switched per use.

    Always the same object for an engine: the session keeps one connection per engine."""
    twin = _autocommit_twins.get(engine)
    if twin is None:
        twin = _autocommit_twins[engine] = engine.execution_options(isolation_level="AUTOCOMMIT")
    return twin


def autocommit_connection():
    """A connection of the app's engine, from its autocommit twin, for a request that reads one
    statement and needs no ORM session: none is made, begun or closed for it. Use it in a with
    block; the statement keeps SQLAlchemy's events, error wrapping and disconnect handling."""
    return autocommit_twin(db.engine).connect()


def dispose_engines() -> None:
    """Close every pooled connection of the app's engines and their autocommit twins."""
    for engine in db.engines.values():
        engine.dispose()
        twin = _autocommit_twins.get(engine)
        if twin is not None and twin.pool is not engine.pool:
            twin.dispose()


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


db = SQLAlchemy(model_class=Base, session_options={"class_": Session})
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
