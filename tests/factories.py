"""Test data with sensible defaults; each test builds only what it needs."""

from __future__ import annotations

import datetime as dt
import itertools

from chairops.accounts.service import create_user, issue_api_token
from chairops.booking.service import Claim, claim_slot
from chairops.events.service import create_event, publish_event, validate_event
from chairops.models import Company, utcnow
from chairops.seating.availability import time_options

PASSWORD = "correct horse battery"
_serial = itertools.count(1)


def phone(n: int) -> str:
    """A distinct valid US mobile number for each n below 10,000."""
    return f"+1202555{n:04d}"


class Factory:
    def __init__(self, session):
        self.session = session

    def company(
        self, name: str | None = None, timezone="America/New_York", country="US"
    ) -> Company:
        company = Company(
            name=name or f"Company {next(_serial)}", timezone=timezone, country=country
        )
        self.session.add(company)
        self.session.commit()
        return company

    def user(self, role="coordinator", company=None, email=None, api_token=False):
        if role == "coordinator" and company is None:
            company = self.company()
        user = create_user(
            self.session,
            # The dash keeps a serial from spelling a word a test looks for ("coordinator548"
            # holds "r5", the rule a privacy test checks coordinators never see).
            email or f"{role}-{next(_serial)}@example.com",
            PASSWORD,
            role,
            company=company,
        )
        token = issue_api_token(self.session, user) if api_token else None
        self.session.commit()
        return (user, token) if api_token else user

    def event(self, company=None, publish=True, days_ahead=1, **fields):
        company = company or self.company()
        now = utcnow()
        raw = {
            "title": "Chair massage day",
            "location": "1 Main Street",
            "timezone": company.timezone,
            "date": (now + dt.timedelta(days=days_ahead)).date().isoformat(),
            "start_time": "10:00",
            "end_time": "12:00",
            "chairs": 2,
            "slot_minutes": 15,
            "buffer_minutes": 5,
            **fields,
        }
        event = create_event(self.session, company, validate_event(raw))
        if publish:
            publish_event(self.session, event)
        self.session.commit()
        return event

    def booking(self, event, n: int = 0, start=None, name="Alex Attendee", now=None):
        """Claim a slot for attendee n; returns (booking, token)."""
        now = now or utcnow()
        start = start or next(
            o.start for o in time_options(self.session, event, now) if o.available
        )
        booking, token = claim_slot(
            self.session, event, Claim(name, phone(n), start.isoformat(), True), now
        )
        self.session.commit()
        return booking, token
