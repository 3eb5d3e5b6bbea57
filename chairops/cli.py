"""Operator commands: flask --app wsgi create-user | seed-demo."""

from __future__ import annotations

import contextlib
import datetime as dt

import click
from flask import Blueprint, current_app
from sqlalchemy import select

from . import waitlist
from .accounts.service import create_user, issue_api_token
from .accounts.sessions import change_password
from .booking.service import Claim, claim_slot
from .clock import purge_screens, run_clock
from .errors import PriorityWindow, ValidationError
from .events.service import create_event, publish_event, validate_event
from .extensions import db
from .formatting import in_zone
from .models import Company, Event, Programme, User, utcnow
from .outcomes.demo import BIG_TITLE as OUTCOMES_TITLE
from .outcomes.demo import seed_outcomes_demo
from .programmes.service import create_programme, validate_programme
from .seating.availability import time_options
from .walkup import rules as walkup_rules
from .walkup import service as walkup_service
from .web import public_url, text_settings

bp = Blueprint("cli", __name__, cli_group=None)

DEMO_PASSWORD = "chairops-demo"
DEMO_STAFF = (
    ("admin@chairops.test", "admin", "Avery Admin"),
    ("hr@acme.test", "coordinator", "Harper Coordinator"),
    ("therapist@chairops.test", "therapist", "Theo Therapist"),
)
DEMO_ATTENDEES = (
    ("Sam Rivera", "+12025550141"),
    ("Priya Shah", "+12025550142"),
    ("Lee Chen", "+12025550143"),
)
DEMO_WAITLIST = (("Jo Park", "+12025550144"), ("Ana Ruiz", "+12025550145"))
FULL_EVENT_TITLE = "Lunch-hour express"
DEMO_EVENT_TITLE = "Demo chair massage day"
WALKUP_EVENT_TITLE = "Walk-up health fair"
PROGRAMME_TITLE = "Monthly back-care day"
# People of the demo programme; who came, who did not, who waited, over its past dates.
PROGRAMME_PEOPLE = tuple((f"Person {n}", f"+1202555016{n}") for n in range(8))


@bp.cli.command("create-user")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(["admin", "coordinator", "therapist"]))
@click.option("--company", "company_name", help="Company name (coordinators); created if new.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", default="")
@click.option("--api-token", is_flag=True, help="Also print an API token for this user.")
def create_user_command(email, role, company_name, password, name, api_token):
    """Create a staff user."""
    company = _company(company_name) if company_name else None
    try:
        user = create_user(db.session, email, password, role, company=company, name=name)
    except ValidationError as exc:
        raise click.ClickException(exc.detail) from exc
    token = issue_api_token(db.session, user) if api_token else None
    db.session.commit()
    click.echo(f"Created {role} {user.email} (id {user.id}).")
    if token:
        click.echo(f"API token (shown once): {token}")


@bp.cli.command("issue-token")
@click.option("--email", required=True)
def issue_token_command(email):
    """Give an active staff user a new API token (the old one stops working)."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active:
        raise click.ClickException(f"No active user with the email {email}.")
    token = issue_api_token(db.session, user)
    db.session.commit()
    click.echo(f"API token for {user.email} (shown once): {token}")


def _company(name: str) -> Company:
    company = db.session.scalar(select(Company).where(Company.name == name))
    if company is None:
        company = Company(name=name, timezone="America/New_York", country="US")
        db.session.add(company)
        db.session.flush()
    return company


@bp.cli.command("purge-screens")
def purge_screens_command():
    """Delete raw screen answers past the retention period; outcomes stay."""
    count = purge_screens(current_app._get_current_object())
    click.echo(f"Purged the raw answers of {count} screens.")


@bp.cli.command("clock")
def clock_command():
    """Run the scheduled jobs (the Procfile's clock process)."""
    run_clock(current_app._get_current_object())


@bp.cli.command("seed-demo")
def seed_demo_command():
    """Load demo staff, a company and a published event with a few bookings; print the links."""
    event, full = load_demo()
    db.session.commit()
    click.echo("\nchairops demo is ready.\n")
    click.echo("\n".join(demo_links(event, full)) + "\n")


def load_demo() -> tuple[Event, Event]:
    """The demo staff, company, event and full event, each made unless it is there already."""
    company = _company("Acme Corp")
    users = {}
    for email, role, name in DEMO_STAFF:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = create_user(
                db.session,
                email,
                DEMO_PASSWORD,
                role,
                company=company if role == "coordinator" else None,
                name=name,
            )
        users[role] = user
    event = demo_event(company)
    if event is None:
        event = _demo_event(company, users["therapist"])
    full = demo_event(company, FULL_EVENT_TITLE)
    if full is None:
        full = _full_demo_event(company)
    seed_outcomes_demo(db.session, company, utcnow())  # past events with pain scores
    if demo_event(company, WALKUP_EVENT_TITLE) is None:
        _walkup_demo_event(company, users["therapist"])
    if demo_programme() is None:
        _demo_programme(company, users["coordinator"])
    return event, full


def demo_event(company: Company, title: str = DEMO_EVENT_TITLE) -> Event | None:
    return db.session.scalar(
        select(Event).where(Event.company_id == company.id, Event.title == title)
    )


def demo_programme() -> Programme | None:
    return db.session.scalar(select(Programme).where(Programme.title == PROGRAMME_TITLE))


def demo_links(event: Event | None, full: Event | None, logins: bool = True) -> list[str]:
    """The lines that tell a newcomer where to go and how to sign in."""
    lines = [f"  Staff sign-in:      {public_url('accounts.login')}"]
    if logins:
        lines += [f"    {role:<12} {email}  /  {DEMO_PASSWORD}" for email, role, _ in DEMO_STAFF]
    if event is not None:
        signup = public_url("booking.event_page", share_token=event.share_token)
        lines.append(f"  Employee sign-up:   {signup}")
        lines.append(f"  Event (staff):      {public_url('events.detail', event_id=event.id)}")
    if full is not None:
        waitlist = public_url("booking.event_page", share_token=full.share_token)
        lines.append(f"  Full (waitlist):    {waitlist}")
    fair = event and demo_event(event.company, WALKUP_EVENT_TITLE)
    if fair is not None:
        line = public_url("walkup.join_page", share_token=fair.share_token)
        lines.append(f"  Walk-up line:       {line}")
        lines.append(f"  Line (staff):       {public_url('events.detail', event_id=fair.id)}")
    outcomes = event and demo_event(event.company, OUTCOMES_TITLE)
    if outcomes is not None:
        report = public_url("outcomes.event_page", event_id=outcomes.id)
        lines.append(f"  Outcomes (staff):   {report}")
    programme = demo_programme()
    if programme is not None:
        staff = public_url("programmes.detail", programme_id=programme.id)
        lines.append(f"  Programme (staff):  {staff}")
    lines.append(f"  Outbox (admin):     {public_url('outbox.outbox')}")
    lines.append(f"  Health:             {public_url('healthz')}")
    return lines


def _full_demo_event(company: Company) -> Event:
    """A short event with every chair taken and two people on the waitlist."""
    now = utcnow()
    day = in_zone(now + dt.timedelta(days=2), company.timezone).date()
    raw = {
        "title": FULL_EVENT_TITLE, "location": "1 Main Street, Springfield", "room": "Lobby",
        "timezone": company.timezone, "date": day.isoformat(), "start_time": "12:00",
        "end_time": "12:55", "chairs": 1, "slot_minutes": 15, "buffer_minutes": 5,
    }  # fmt: skip
    event = create_event(db.session, company, validate_event(raw, now=now))
    publish_event(db.session, event)
    for (name, phone), option in zip(
        DEMO_ATTENDEES, time_options(db.session, event, now), strict=True
    ):
        claim_slot(db.session, event, Claim(name, phone, option.start.isoformat(), True), now)
    for name, phone in DEMO_WAITLIST:
        waitlist.join(db.session, event, waitlist.Joiner(name, phone, True), now)
    return event


def _walkup_demo_event(company: Company, therapist: User) -> Event:
    """A walk-up line running all day today, chair 1 the demo therapist's, two people in line."""
    now = utcnow()
    raw = {
        "title": WALKUP_EVENT_TITLE, "location": "Convention centre, Hall B", "room": "Booth 12",
        "timezone": company.timezone, "date": in_zone(now, company.timezone).date().isoformat(),
        "start_time": "00:00", "end_time": "23:59", "chairs": 2, "slot_minutes": 15,
        "buffer_minutes": 5, "kind": "line",
    }  # fmt: skip
    event = create_event(db.session, company, validate_event(raw, now=now))
    event.chairs[0].therapist = therapist
    publish_event(db.session, event)
    for name, phone in DEMO_WAITLIST:
        joiner = walkup_service.Joiner(name, phone, True)
        try:
            walkup_service.join(db.session, event, joiner, now, walkup_rules.LineSettings())
        except walkup_service.LineClosed:  # seeded in the last minutes of the day
            break
    return event


def _demo_event(company: Company, therapist: User) -> Event:
    now = utcnow()
    tomorrow = in_zone(now + dt.timedelta(days=1), company.timezone).date()
    data = validate_event(
        {
            "title": DEMO_EVENT_TITLE,
            "location": "1 Main Street, Springfield",
            "room": "Wellness room, 3rd floor",
            "timezone": company.timezone,
            "date": tomorrow.isoformat(),
            "start_time": "10:00",
            "end_time": "15:00",
            "chairs": 4,
            "slot_minutes": 15,
            "buffer_minutes": 5,
        },
        now=now,
    )
    event = create_event(db.session, company, data)
    event.chairs[1].therapist = therapist
    publish_event(db.session, event)
    options = time_options(db.session, event, now)
    for (name, phone), option in zip(DEMO_ATTENDEES, options[1::3], strict=False):
        claim = Claim(name, phone, option.start.isoformat(), True)
        claim_slot(db.session, event, claim, now, texts=text_settings())
    return event


@bp.cli.command("set-password")
@click.option("--email", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def set_password_command(email, password):
    """Give a staff user a new password; every sign-in of theirs ends at once."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"No user with email {email}.")
    try:
        change_password(db.session, user, password)
    except ValidationError as exc:
        raise click.ClickException(exc.detail) from exc
    db.session.commit()
    click.echo(f"New password set for {user.email}; their sessions have ended.")


def _demo_programme(company: Company, coordinator: User) -> Programme:
    """First Tuesday of every month: four dates past (people came, missed, waited), four to come."""
    now = utcnow()
    today = in_zone(now, company.timezone).date()
    start = (today.replace(day=1) - dt.timedelta(days=100)).replace(day=1)
    raw = {
        "title": PROGRAMME_TITLE, "location": "1 Main Street, Springfield", "room": "Room 2A",
        "timezone": company.timezone, "start_time": "11:00", "end_time": "12:00", "chairs": 2,
        "slot_minutes": 15, "buffer_minutes": 5, "rrule": "FREQ=MONTHLY;BYDAY=1TU;COUNT=8",
        "dtstart": start.isoformat(), "publish": True,
    }  # fmt: skip
    programme = create_programme(db.session, company, validate_programme(raw), coordinator, now)
    for turn, event in enumerate(e for e in programme.events if e.date < today):
        _demo_programme_date(event, programme, turn)
    return programme


def _demo_programme_date(event: Event, programme: Programme, turn: int) -> None:
    """A past date: five of the eight people booked, one missed it, one was asked to wait."""
    opened = event.signup_opens_at
    after_window = opened + dt.timedelta(hours=programme.priority_hours, minutes=5)
    chairs = [o for o in time_options(db.session, event, after_window) for _ in range(o.available)]
    people = _demo_people(turn)
    statuses = ("completed", "completed", "completed", "no_show", "completed")
    for (name, phone), option, status in zip(people, chairs, statuses, strict=False):
        claim = Claim(name, phone, option.start.isoformat(), True)
        booking, _ = claim_slot(db.session, event, claim, after_window)
        booking.status = status
    last_time = [p for p in _demo_people(turn - 1) if p not in people] if turn else []
    if last_time:  # someone who had the last date tries in the first hour: turned away, counted
        name, phone = last_time[0]
        with contextlib.suppress(PriorityWindow):
            claim = Claim(name, phone, chairs[-1].start.isoformat(), True)
            claim_slot(db.session, event, claim, opened + dt.timedelta(minutes=5))
    event.status = "completed"
    db.session.flush()


def _demo_people(turn: int) -> tuple:
    return PROGRAMME_PEOPLE[turn % 3 :][:5]
