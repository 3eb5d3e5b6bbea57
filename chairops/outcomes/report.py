"""The outcomes report: per event, per company over dates, or every company; views are audited."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..accounts.reach import event_for
from ..audit import record
from ..errors import EventNotFound, NotFound
from ..models import Booking, Company, Event, Screen, User
from . import rules

# People who came: their screen and scores count; no-shows and cancellations do not.
CAME = ("checked_in", "in_service", "completed")
# Events whose day can be over; drafts never happened and cancelled ones did not take place.
HELD = ("published", "closed", "completed")


class CompanyNotFound(NotFound):
    problem = "company-not-found"
    title = "No such company"


class Settings(NamedTuple):
    """What the report needs from configuration."""

    min_group: int = rules.MIN_GROUP
    delay_hours: int = 48

    @classmethod
    def from_config(cls, config) -> Settings:
        return cls(config["OUTCOMES_MIN_GROUP"], config["FOLLOWUP_DELAY_HOURS"])


class Report(NamedTuple):
    """A report's rows, the group size it keeps to, and what is not counted yet."""

    groups: list[rules.Group]
    min_group: int
    pending: tuple[str, ...]  # measures not counted yet (the event's day or replies still open)
    events: int  # how many events are counted

    @property
    def has_numbers(self) -> bool:
        return rules.has_numbers(self.groups)

    def as_dict(self) -> dict:
        """The API body."""
        return {
            "groups": [g.as_dict() for g in self.groups],
            "min_group": self.min_group,
            "pending": list(self.pending),
            "events": self.events,
        }


class EveryCompany(NamedTuple):
    """The subject of an admin's report across companies, for the audit log."""

    id: None = None
    name: str = "Every company"


def reportable_event(session: Session, user: User, event_id: int) -> Event:
    """An event whose report this user may see: its company's coordinator or an admin."""
    if not rules.storable_id(event_id) or user.role not in ("admin", "coordinator"):
        raise EventNotFound()
    return event_for(session, user, event_id)


def reportable_company(session: Session, user: User, company_id: int | None) -> Company | None:
    """The company a report covers (None: every company, admins only); else 404."""
    if user.role == "coordinator" and company_id in (None, user.company_id):
        return user.company
    if company_id is not None and not rules.storable_id(company_id):
        raise CompanyNotFound()
    company = session.get(Company, company_id) if company_id is not None else None
    if user.role != "admin" or (company_id is not None and company is None):
        raise CompanyNotFound()
    return company


def companies(session: Session) -> list[Company]:
    """Every company, by name: an admin picks one report or all."""
    return list(session.scalars(select(Company).order_by(Company.name)))


def _scores(
    session: Session, events: list[Event], now: dt.datetime, cfg: Settings
) -> dict[int, list[rules.Scores]]:
    """The scores of the people who came, per event; two-day scores only once replies closed."""
    closed = {
        e.id for e in events if rules.followups_closed(e.date, e.timezone, now, cfg.delay_hours)
    }
    rows = session.execute(
        select(
            Booking.event_id, Screen.routine, Screen.pain_before, Screen.pain_after,
            Screen.pain_followup,
        )
        .join(Screen, Screen.booking_id == Booking.id)
        .where(Booking.event_id.in_([e.id for e in events]), Booking.status.in_(CAME))
    )  # fmt: skip
    found = defaultdict(list)
    for event_id, routine, before, after, two_days in rows:
        two_days = two_days if event_id in closed else None
        found[event_id].append(rules.Scores(routine, before, after, two_days))
    return found


def _pending(events: list[Event], now: dt.datetime, cfg: Settings) -> tuple[str, ...]:
    if not events:
        return ()
    waiting = any(
        not rules.followups_closed(e.date, e.timezone, now, cfg.delay_hours) for e in events
    )
    return ("two_days",) if waiting else ()


def event_report(session: Session, event: Event, now: dt.datetime, cfg: Settings) -> Report:
    """One event's report; nothing is counted until the event's local day is over."""
    if not rules.day_over(event.date, event.timezone, now):
        return Report(rules.report([], cfg.min_group), cfg.min_group, rules.MEASURES, 0)
    people = _scores(session, [event], now, cfg)[event.id]
    groups = rules.report(people, cfg.min_group)
    return Report(groups, cfg.min_group, _pending([event], now, cfg), 1)


def company_report(
    session: Session,
    company: Company | None,
    first: dt.date,
    last: dt.date,
    now: dt.datetime,
    cfg: Settings,
) -> Report:
    """Every event of a company (or of every company) held between two dates, added up."""
    query = select(Event).where(Event.date.between(first, last), Event.status.in_(HELD))
    if company is not None:
        query = query.where(Event.company_id == company.id)
    events = [
        e
        for e in session.scalars(query.order_by(Event.date, Event.id))
        if rules.day_over(e.date, e.timezone, now)
    ]
    scores = _scores(session, events, now, cfg)
    groups = rules.pooled_report((scores[e.id] for e in events), cfg.min_group)
    return Report(groups, cfg.min_group, _pending(events, now, cfg), len(events))


def record_view(
    session: Session, user: User, subject, report: Report, now: dt.datetime, **detail
) -> None:
    """A report that shows any number is health data seen: write who saw what to the audit log."""
    if report.has_numbers:
        record(session, user, "outcomes.viewed", subject, now, **detail)


def report_csv(report: Report) -> str:
    """The report's aggregates as CSV: the same numbers as the page and the API."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(
        rules.csv_rows(report.groups, report.min_group)
    )
    return out.getvalue()
