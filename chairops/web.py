"""What every page and endpoint shares: error rendering, problem JSON, headers, health, filters."""

from __future__ import annotations

import datetime as dt
import logging
from functools import wraps

from flask import (
    Flask,
    current_app,
    has_request_context,
    jsonify,
    render_template,
    request,
    url_for,
)
from flask.logging import default_handler
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError
from sqlalchemy import text
from werkzeug.exceptions import HTTPException

from . import logredact
from .config import TextSettings
from .errors import ChairopsError, ValidationError
from .extensions import db, run_in_autocommit
from .formatting import local_iso, register_filters

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def public_url(endpoint: str, **values) -> str:
    """An absolute link as people outside see it, built from PUBLIC_BASE_URL (never request.url)."""
    if has_request_context():
        path = url_for(endpoint, **values)
    else:
        with current_app.test_request_context():
            path = url_for(endpoint, **values)
    return current_app.config["PUBLIC_BASE_URL"] + path


def text_settings() -> TextSettings:
    """What the services need to word texts, from configuration."""
    config = current_app.config
    return TextSettings(
        config["PUBLIC_BASE_URL"], config["BRAND_NAME"], config["WAITLIST_OFFER_MINUTES"]
    )


def checkin_lead() -> dt.timedelta:
    """How long before their time a person may be checked in (CHECKIN_LEAD_MINUTES)."""
    return dt.timedelta(minutes=current_app.config["CHECKIN_LEAD_MINUTES"])


def reads_without_transaction() -> None:
    """Run this request's statements in autocommit mode: it only reads, one statement each.

    A read needs no BEGIN and no ROLLBACK, and a ROLLBACK costs more than its round trip:
    psycopg forgets its prepared statements on every ROLLBACK (and deallocates them), so a
    read ending in one is planned anew by PostgreSQL each time. On PostgreSQL the statements
    go to a pool of connections kept in autocommit mode (extensions.add_autocommit_twin). A
    request whose session is already in a transaction keeps it.
    """
    run_in_autocommit(db.session())


def end_refused_change() -> None:
    """End the transaction of a change the service refused before writing anything (a chair
    taken, a number already booked), and read what the answer shows outside a transaction.

    COMMIT ends a transaction that wrote nothing just as ROLLBACK would, but psycopg forgets its
    prepared statements on every ROLLBACK and PostgreSQL would plan the next claims anew. A
    session holding unwritten objects is rolled back all the same.
    """
    session = db.session()
    if session.new or session.dirty or session.deleted:
        session.rollback()
        return
    session.commit()
    reads_without_transaction()


def show_errors(form, exc: ValidationError, aliases: dict | None = None) -> None:
    """Put a service's errors on a form: each at its field (`aliases` maps a service's name to
    the form's), the rest in the form's error summary."""
    for name, message in exc.errors.items():
        field = form._fields.get((aliases or {}).get(name, name))
        if field is None:
            form.form_errors.append(message)
        else:
            field.errors = [*field.errors, message]


def wants_problem_json() -> bool:
    """API and webhook paths answer in problem JSON; pages answer in HTML."""
    return request.path.startswith("/api/")


def problem(status: int, name: str, title: str, detail: str = "", **extra):
    """An RFC 9457 problem-details response."""
    body = {
        "type": f"/problems/{name}",
        "title": title,
        "status": status,
        "detail": detail or title,
    }
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def _problem_name(exc: HTTPException) -> str:
    return (exc.name or "error").lower().replace(" ", "-").replace("'", "")


def handle_chairops_error(exc: ChairopsError):
    if wants_problem_json():
        extra = {"errors": exc.errors} if isinstance(exc, ValidationError) else {}
        extra |= exc.extra  # e.g. ends_at of a priority window
        if getattr(exc, "next_times", None):
            extra["next_times"] = [local_iso(t.start, exc.timezone) for t in exc.next_times]
        return problem(exc.status, exc.problem, exc.title, exc.detail, **extra)
    page = render_template("error.html", title=exc.title, detail=exc.detail, problem=exc.problem)
    return page, exc.status


def handle_http_error(exc: HTTPException):
    if wants_problem_json():
        return problem(exc.code or 500, _problem_name(exc), exc.name, exc.description or "")
    return render_template("error.html", title=exc.name, detail=exc.description), exc.code


def handle_csrf_error(exc: CSRFError):
    detail = "This form was open too long or came from elsewhere. Go back, reload and try again."
    return render_template("error.html", title="Please try again", detail=detail), 400


SECURITY_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    # Manage links carry tokens in their path: never send them on in a Referer.
    ("Referrer-Policy", "no-referrer"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000")


def security_headers(response):
    """Add each security header a view did not set itself (every response passes here, so the
    names present are read once rather than asked for one by one)."""
    headers = response.headers
    present = {name.lower() for name, _ in headers}
    # Behind a proxy that ends TLS request.is_secure is False: the public address decides.
    https = request.is_secure or current_app.config["PUBLIC_BASE_URL"].startswith("https://")
    for name, value in (*SECURITY_HEADERS, HSTS) if https else SECURITY_HEADERS:
        if name.lower() not in present:
            headers.add(name, value)
    return response


class SessionsWhenUsed(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, skipping the set-up (a serializer and its key, the cookie's
    settings) where no session cookie came in and none goes out: every public API call and most
    phone pages of a sign-up rush. The cookie, the Vary header and the session are Flask's."""

    def open_session(self, app, request):
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app, session, response):
        if session or session.modified:
            super().save_session(app, session, response)
        elif session.accessed:  # all Flask does for an empty session left as it came: no cookie
            response.vary.add("Cookie")


def no_store(view):
    """Pages and answers that show health data: never kept by the browser or a shared cache."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        response = current_app.make_response(view(*args, **kwargs))
        response.headers["Cache-Control"] = "no-store"
        return response

    return wrapper


def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure to reach the database is "unhealthy"
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


def _log_to_stderr(log: logging.Logger) -> None:
    """chairops' own INFO lines (texts sent, jobs run) reach stderr unless logging is set up."""
    if log.level == logging.NOTSET:
        log.setLevel(logging.INFO)
    if not log.handlers and not logging.getLogger().handlers:
        log.addHandler(default_handler)


def init_app(app: Flask) -> None:
    app.session_interface = SessionsWhenUsed()
    app.register_error_handler(ChairopsError, handle_chairops_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.after_request(security_headers)
    app.add_url_rule("/healthz", "healthz", healthz)
    app.context_processor(lambda: {"brand": app.config["BRAND_NAME"]})
    register_filters(app)
    _log_to_stderr(logging.getLogger("chairops"))
    # Request and error logs name paths like /b/<token>: keep every token out of them.
    logredact.install(app.url_map)
    for logger in (app.logger, *map(logging.getLogger, logredact.LOGGERS)):
        logredact.add_filter(logger)
