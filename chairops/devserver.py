"""`make run` in one process: migrate when behind, load the demo into an empty database, serve.

One import of the app instead of three commands that each import it, and the links are printed
last, in a frame, on the host and port being served (so are the links in the demo texts).
"""

from __future__ import annotations

import logging
import os
from contextlib import contextmanager

import click
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, Flask, current_app
from flask_migrate import upgrade
from sqlalchemy import select
from werkzeug.serving import make_server

from .cli import DEMO_STAFF, FULL_EVENT_TITLE, demo_event, demo_links, load_demo
from .clock import catch_up, start_dev_scheduler
from .extensions import db
from .models import Company, User

bp = Blueprint("dev", __name__, cli_group=None)
RULE = "=" * 78


def base_url(host: str, port: int) -> str:
    """The address people open: a wildcard host is reached as this machine's loopback."""
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


@contextmanager
def _logging_kept():
    """Alembic's env.py configures logging; keep the app's own set-up as it was."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def migrate_if_behind(app: Flask) -> bool:
    """Upgrade the database to the newest migration; False when it was there already."""
    script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
    with db.engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    if current == set(script.get_heads()):
        return False
    with _logging_kept():
        upgrade()
    return True


def seed_if_empty() -> tuple[str, list[str]]:
    """Load the demo into a database with no users; what happened, and the lines to print."""
    if db.session.scalar(select(User.id).limit(1)) is None:
        event, full = load_demo()
        db.session.commit()
        return "Loaded the demo data.", demo_links(event, full)
    company = db.session.scalar(select(Company).where(Company.name == "Acme Corp"))
    demo_admin = db.session.scalar(select(User.id).where(User.email == DEMO_STAFF[0][0]))
    if company is None or demo_admin is None:
        return "The database has its own users: no demo loaded.", demo_links(None, None, False)
    event, full = demo_event(company), demo_event(company, FULL_EVENT_TITLE)
    return "Demo data already loaded.", demo_links(event, full)


def prepare(app: Flask, host: str, port: int) -> list[str]:
    """Point links at this address, migrate, seed when empty; the framed block to print."""
    if not os.environ.get("PUBLIC_BASE_URL"):
        app.config["PUBLIC_BASE_URL"] = base_url(host, port)
    os.makedirs(app.instance_path, exist_ok=True)  # where the default SQLite file lives
    migrated = migrate_if_behind(app)
    done, links = seed_if_empty()
    db.session.commit()  # end the read, so that SQLite lets the clock's jobs write
    # The clock's first round now (the demo's texts too), so that what it prints comes before
    # the block, not after.
    catch_up(app)
    status = ("Database migrated. " if migrated else "Database up to date. ") + done
    head = f"  chairops is running at {base_url(host, port)}   (Ctrl+C stops it)"
    return ["", RULE, head, f"  {status}", "", *links, RULE, ""]


@bp.cli.command("dev")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, type=int, show_default=True)
def dev_command(host: str, port: int):
    """Migrate, load the demo into an empty database and serve, with the texts' clock (make run)."""
    app = current_app._get_current_object()
    block = prepare(app, host, port)
    try:
        server = make_server(host, port, app, threaded=True)
    except OSError as exc:
        hint = f"Is it running already? Another port: make run PORT={port + 1}"
        raise click.ClickException(
            f"Cannot serve on {host}:{port}: {exc.strerror}. {hint}"
        ) from exc
    # create_app started a scheduler already when DEV_SCHEDULER was set
    scheduler = None if app.config["DEV_SCHEDULER"] else start_dev_scheduler(app, caught_up=True)
    click.echo("\n".join(block))
    try:
        server.serve_forever()  # until Ctrl+C, which werkzeug's server takes as its cue to close
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=True)  # a job still running finishes before the goodbye
    click.echo("Stopped.")
