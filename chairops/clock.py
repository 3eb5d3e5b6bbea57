"""The clock process: APScheduler 3 interval jobs. Never started inside web workers.

Each job only reads due rows and commits its own work, so a missed tick loses nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from . import waitlist
from .accounts.sessions import end_stale_sessions
from .events.lifecycle import advance_events
from .extensions import db
from .messaging.dispatch import dispatch_once, reconcile_once
from .messaging.webhooks import purge_receipts
from .models import utcnow
from .outcomes.service import ask_followups
from .programmes.nudges import tell_next_dates
from .screening.service import purge_screen_answers
from .walkup.service import purge_answers as purge_line_answers
from .web import text_settings

log = logging.getLogger(__name__)


def purge_screens(app: Flask) -> int:
    """Drop raw screen answers past the retention period."""
    with app.app_context():
        count = purge_screen_answers(db.session, utcnow(), app.config["SCREEN_RETENTION_DAYS"])
        count += purge_line_answers(db.session, utcnow(), app.config["SCREEN_RETENTION_DAYS"])
        db.session.commit()
        if count:
            log.info("purged raw answers of %d screens", count)
        return count


def purge_webhook_receipts(app: Flask) -> int:
    """Forget Twilio webhook receipts older than WEBHOOK_RECEIPT_DAYS."""
    with app.app_context():
        count = purge_receipts(db.session, utcnow(), app.config["WEBHOOK_RECEIPT_DAYS"])
        db.session.commit()
        if count:
            log.info("forgot %d old webhook receipts", count)
        return count


def waitlist_tick(app: Flask) -> int:
    """Expire waitlist offers whose time ran out and offer every free chair to the next in line."""
    with app.app_context():
        offered = waitlist.tick(db.session, utcnow(), text_settings())
        db.session.commit()
        if offered:
            log.info("offered %d freed chairs to the waitlist", offered)
        return offered


def followup_tick(app: Flask) -> int:
    """Text the two-day lower-back question to people whose massage was the set delay ago."""
    with app.app_context():
        delay = app.config["FOLLOWUP_DELAY_HOURS"]
        asked = ask_followups(db.session, utcnow(), delay, text_settings())
        db.session.commit()
        if asked:
            log.info("asked %d people how their lower back is", asked)
        return asked


def end_old_sign_ins(app: Flask) -> int:
    """End staff sign-ins older than REMEMBER_DAYS."""
    with app.app_context():
        days = app.config["REMEMBER_COOKIE_DURATION"].days
        count = end_stale_sessions(db.session, utcnow(), days)
        db.session.commit()
        return count


def event_lifecycle(app: Flask) -> int:
    """Close sign-up before each event; complete events whose local day is over."""
    with app.app_context():
        advanced = advance_events(db.session, utcnow())
        db.session.commit()
        if advanced.closed or advanced.completed:
            log.info("events: %d sign-ups closed, %d completed", *advanced)
        return advanced.closed + advanced.completed


def programme_texts(app: Flask) -> int:
    """Tell people the waitlist did not seat at a programme date when its next date opens."""
    with app.app_context():
        written = tell_next_dates(db.session, utcnow(), text_settings())
        db.session.commit()
        if written:
            log.info("told %d people when the next programme date opens", written)
        return written


# (job, seconds between runs)
JOBS: list[tuple[Callable[[Flask], object], int]] = [
    (purge_screens, 3600),
    (purge_webhook_receipts, 3600),
    (end_old_sign_ins, 3600),
    (dispatch_once, 5),
    (reconcile_once, 60),
    (waitlist_tick, 20),
    (followup_tick, 60),
    (event_lifecycle, 60),
    (programme_texts, 600),
]


def schedule(scheduler, app: Flask, *, caught_up: bool = False):
    """Add every job to a scheduler; overlapping runs of one job are skipped, not stacked.

    Each job first runs at once, or one interval from now when `catch_up` has just run it."""
    now = utcnow()
    for job, seconds in JOBS:
        first = now + timedelta(seconds=seconds) if caught_up else now
        scheduler.add_job(
            job, "interval", seconds=seconds, args=[app], id=job.__name__,
            max_instances=1, coalesce=True, next_run_time=first,
        )  # fmt: skip
    return scheduler


def catch_up(app: Flask) -> None:
    """Run every job once, in this thread, texts last: what a start of `make run` owes first."""
    for job, _ in JOBS:
        if job is not dispatch_once:
            job(app)
    dispatch_once(app, rate_per_second=0)  # the console's lines before the links, not after


def run_clock(app: Flask) -> None:
    """The `clock` process of the Procfile: blocks until stopped."""
    scheduler = schedule(BlockingScheduler(timezone="UTC"), app)
    log.info("clock started with jobs: %s", ", ".join(j.__name__ for j, _ in JOBS))
    scheduler.start()


def start_dev_scheduler(app: Flask, *, caught_up: bool = False) -> BackgroundScheduler:
    """For `make run` only: the same jobs in one background scheduler of the dev server."""
    scheduler = BackgroundScheduler(timezone="UTC", daemon=True)
    schedule(scheduler, app, caught_up=caught_up)
    scheduler.start()
    return scheduler
