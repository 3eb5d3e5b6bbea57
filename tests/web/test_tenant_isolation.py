"""A coordinator of company A gets 404 on every page and endpoint that names company B's things.

The walk reads app.url_map, so a route is covered the day it is added. A route with an argument
the walk cannot fill fails the test until someone teaches ARGUMENTS below how to fill it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from itertools import product

import pytest
from sqlalchemy import func, select
from werkzeug.routing import AnyConverter

from chairops.models import (
    AuditEntry,
    Booking,
    Chair,
    Company,
    Event,
    Invite,
    LineEntry,
    Message,
    Programme,
    Screen,
    Slot,
    User,
    WaitlistEntry,
    utcnow,
)
from chairops.programmes.service import create_programme, validate_programme
from chairops.screening.service import submit_screen
from chairops.team.invites import create_invite
from chairops.tokens import hash_token
from chairops.walkup.calls import call_next
from chairops.walkup.rules import LineSettings
from chairops.walkup.service import Joiner, join
from tests.factories import PASSWORD, phone
from tests.walkup_support import open_line

# Routes anyone may open, each with the reason; nothing else is exempt.
PUBLIC_BY_DESIGN = {
    "static": "stylesheets, scripts and images",
    "healthz": "the load balancer's health check",
    "accounts.login": "the sign-in page",
    "accounts.logout": "ends the caller's own session and names nothing",
    "api.openapi": "the published API description",
    "twilio.inbound": "Twilio webhook, guarded by its signature",
    "twilio.status": "Twilio webhook, guarded by its signature",
}
# Attendee, waitlist and invite links: a long random token is the key, by design.
TOKEN_ARGUMENTS = {"token", "share_token"}
# Every argument name a route may carry, with the company B values to put in it.
ARGUMENTS = {
    "event_id": lambda b: [b.event.id, b.draft.id],
    "booking_id": lambda b: [b.booked.id, b.screened.id],
    "number": lambda b: [1, 2],
    "chair_id": lambda b: [b.event.chairs[0].id],
    "slot_id": lambda b: [b.booked.slot_id],
    "company_id": lambda b: [b.company.id],
    "user_id": lambda b: [b.coordinator.id, b.therapist.id],
    "invite_id": lambda b: [b.invite.id],
    "entry_id": lambda b: [b.entry.id],
    "waitlist_id": lambda b: [b.entry.id],
    "message_id": lambda b: [b.message_id],
    "screen_id": lambda b: [b.screened.screen.id],
    "line_entry_id": lambda b: [b.line_entry.id],
    "programme_id": lambda b: [b.programme.id],
}
BRAVO_PROGRAMME = {
    "title": "Bravo monthly", "location": "1 Bravo Way", "start_time": "10:00",
    "end_time": "11:00", "chairs": 1, "slot_minutes": 15, "buffer_minutes": 5,
    "rrule": "FREQ=MONTHLY;BYDAY=1TU;COUNT=2", "dtstart": "2031-01-01", "publish": True,
}  # fmt: skip
R5 = {
    "pain_areas": ["lower_back"], "low_back_pain": 8, "new_or_different": False,
    "leg_symptoms": "none", "red_flags": False, "conditions": [], "pressure": "firm",
    "avoid_note": "bravo secret note",
}  # fmt: skip


@dataclass
class CompanyB:
    company: Company
    coordinator: User
    therapist: User
    event: Event
    draft: Event
    booked: Booking
    screened: Booking
    entry: WaitlistEntry
    invite: Invite
    message_id: int
    line_entry: LineEntry | None = None
    programme: Programme | None = None


@pytest.fixture
def b(make, session) -> CompanyB:
    """Company B with a little of everything; every name in it contains 'bravo'."""
    company = make.company(name="Bravo Industries")
    coordinator = make.user("coordinator", company=company, email="coord@bravo.example")
    therapist = make.user("therapist", email="bravo.therapist@spa.example")
    event = make.event(company=company, title="Bravo offsite", location="1 Bravo Way", chairs=2)
    draft = make.event(company=company, publish=False, title="Bravo draft plans")
    event.chairs[0].therapist = therapist
    session.commit()
    booked, _ = make.booking(event, 1, name="Bianca Bravo")
    screened, _ = make.booking(event, 2, name="Bruno Bravo")
    submit_screen(session, screened, R5, utcnow())
    now = utcnow()
    entry = WaitlistEntry(
        event_id=event.id, name="Bea Bravo", phone=phone(3), sms_consent_at=now, position=1,
        status="waiting", token_hash=hash_token(secrets.token_urlsafe(32)),
    )  # fmt: skip
    session.add(entry)
    admin = make.user("admin")
    invite, _ = create_invite(session, admin, "new@bravo.example", "coordinator", company, now)
    message = Message(
        booking_id=booked.id, event_id=event.id, to=booked.phone, kind="confirmation",
        body="Bravo offsite booked", send_at=now, idempotency_key=f"bravo:{booked.id}",
    )  # fmt: skip
    session.add(message)
    session.commit()
    line = open_line(make, company=company, title="Bravo walk-up")
    line.chairs[0].therapist = therapist
    session.commit()
    in_line, _ = join(session, line, Joiner("Bo Bravo", phone(4), True), now, LineSettings())
    call_next(session, line.chairs[0], now, LineSettings())
    monthly = validate_programme(BRAVO_PROGRAMME | {"timezone": company.timezone})
    programme = create_programme(session, company, monthly, coordinator, now)
    session.commit()
    return CompanyB(
        company,
        coordinator,
        therapist,
        event,
        draft,
        booked,
        screened,
        entry,
        invite,
        message.id,
        in_line,
        programme,
    )


@pytest.fixture
def a(make, app):
    """Coordinator A, signed in on a page client and holding an API token."""
    company = make.company(name="Alpha Works")
    coordinator, token = make.user("coordinator", company=company, api_token=True)
    event = make.event(company=company, title="Alpha day")
    pages, api = app.test_client(), app.test_client()
    assert pages.post("/login", data={"email": coordinator.email, "password": PASSWORD}).status_code
    api.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return coordinator, event, pages, api


def snapshot(session, b: CompanyB) -> dict:
    """Everything of company B that a request could change."""
    session.expire_all()
    event_ids = [b.event.id, b.draft.id]
    booking_ids = select(Booking.id).where(Booking.event_id.in_(event_ids))
    subjects = {("company", b.company.id), ("invite", b.invite.id)}
    subjects |= {("event", i) for i in event_ids}
    subjects |= {("booking", i) for i in session.scalars(booking_ids)}
    subjects |= {("user", b.coordinator.id), ("user", b.therapist.id)}

    def rows(*columns, where):
        return sorted(tuple(r) for r in session.execute(select(*columns).where(where)))

    return {
        "company": rows(*Company.__table__.c, where=Company.id == b.company.id),
        "events": rows(*Event.__table__.c, where=Event.company_id == b.company.id),
        "chairs": rows(*Chair.__table__.c, where=Chair.event_id.in_(event_ids)),
        "slots": session.scalar(select(func.count(Slot.id)).where(Slot.event_id.in_(event_ids))),
        "bookings": rows(*Booking.__table__.c, where=Booking.event_id.in_(event_ids)),
        "screens": rows(*Screen.__table__.c, where=Screen.booking_id.in_(booking_ids)),
        "waitlist": rows(*WaitlistEntry.__table__.c, where=WaitlistEntry.event_id.in_(event_ids)),
        "users": rows(*User.__table__.c, where=User.id.in_([b.coordinator.id, b.therapist.id])),
        "invites": rows(*Invite.__table__.c, where=Invite.company_id == b.company.id),
        "messages": rows(*Message.__table__.c, where=Message.event_id.in_(event_ids)),
        "programmes": rows(*Programme.__table__.c, where=Programme.company_id == b.company.id),
        "audit": sorted(
            (e.action, e.subject_type, e.subject_id)
            for e in session.scalars(select(AuditEntry))
            if (e.subject_type, e.subject_id) in subjects
        ),
    }  # fmt: skip


def fill(rule, b: CompanyB) -> list[dict]:
    """Every combination of company B values for the rule's arguments; unknown names fail."""
    choices = {}
    for name in sorted(rule.arguments):
        converter = rule._converters.get(name)
        if isinstance(converter, AnyConverter):
            choices[name] = sorted(converter.items)
        elif name in ARGUMENTS:
            choices[name] = ARGUMENTS[name](b)
        else:
            pytest.fail(
                f"{rule.rule} ({rule.endpoint}) has an argument {name!r} the tenant walk cannot "
                "fill: add it to ARGUMENTS in tests/web/test_tenant_isolation.py"
            )
    return [dict(zip(choices, values, strict=True)) for values in product(*choices.values())]


def payload(b: CompanyB) -> dict:
    """What a curious coordinator might post: company B's ids and plausible fields."""
    return {
        "event_id": b.event.id, "booking_id": b.booked.id, "company_id": b.company.id,
        "user_id": b.therapist.id, "invite_id": b.invite.id, "status": "completed",
        "confirm": "yes", "title": "Hijacked", "location": "Nowhere", "minutes": 30,
        "name": "Mallory", "phone": "+12025550999", "email": "mallory@alpha.example",
        "role": "coordinator", "chairs": 5, "timezone": "UTC", "country": "US",
        "start": b.booked.slot.starts_at.isoformat(), "sms_consent": True,
    }  # fmt: skip


def walk(app, a, b: CompanyB) -> tuple[list[str], list[str]]:
    """Request every route as coordinator A; return (failures, what was walked)."""
    _, _, pages, api = a
    adapter = app.url_map.bind("localhost")
    body = payload(b)
    query = {k: body[k] for k in ("event_id", "booking_id", "company_id", "user_id")}
    failures, walked = [], []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if rule.endpoint in PUBLIC_BY_DESIGN or rule.arguments & TOKEN_ARGUMENTS:
            continue
        on_api = rule.rule.startswith("/api/")
        client = api if on_api else pages
        for values, method in product(fill(rule, b), sorted(rule.methods - {"HEAD", "OPTIONS"})):
            url = adapter.build(rule.endpoint, values, method=method, append_unknown=False)
            data = {"json": body} if on_api else {"data": {k: str(v) for k, v in body.items()}}
            response = client.open(url, method=method, query_string=query, **data)
            text = response.get_data(as_text=True).lower()
            walked.append(f"{method} {url}")
            if values and response.status_code != 404:
                failures.append(
                    f"{method} {url} ({rule.endpoint}): {response.status_code}, not 404"
                )
            elif response.status_code >= 500 or "bravo" in text:
                failures.append(f"{method} {url} ({rule.endpoint}): {response.status_code} leaks B")
    return failures, walked


def test_coordinator_a_gets_404_on_every_route_naming_company_b(app, session, a, b):
    before = snapshot(session, b)
    failures, walked = walk(app, a, b)
    assert not failures, "company B reachable from company A:\n" + "\n".join(failures)
    assert snapshot(session, b) == before, "a request from company A changed company B"
    # The walk really ran, across pages and the API, and A's credentials still worked.
    for must in (
        f"GET /staff/events/{b.event.id}",
        f"POST /staff/events/{b.event.id}/cancel",
        f"GET /api/v1/events/{b.event.id}/roster",
        f"POST /staff/companies/{b.company.id}/edit",
        f"POST /staff/team/users/{b.coordinator.id}/deactivate",
        f"POST /tablet/bookings/{b.screened.id}/status",
        "POST /staff/team/invites",
        f"PATCH /api/v1/programmes/{b.programme.id}",
        f"POST /staff/programmes/{b.programme.id}/edit",
    ):
        assert must in walked
    _, event, pages, api = a
    assert pages.get(f"/staff/events/{event.id}").status_code == 200
    assert api.get(f"/api/v1/events/{event.id}/roster").status_code == 200
    others = session.scalar(
        select(func.count(Invite.id)).where(
            Invite.company_id == b.company.id, Invite.id != b.invite.id
        )
    )
    assert others == 0, "coordinator A created an invite for company B"


def test_the_walk_fails_loudly_on_an_argument_it_cannot_fill(app, b):
    from werkzeug.routing import Rule

    rule = Rule("/staff/gizmos/<int:gizmo_id>", endpoint="gizmo")
    rule.bind(app.url_map.__class__())
    with pytest.raises(pytest.fail.Exception, match="gizmo_id"):
        fill(rule, b)


def test_a_coordinator_of_company_b_does_reach_those_routes(client, b, session):
    """The control: the same URLs work for B's own coordinator, so the 404s above mean A."""
    client.post("/login", data={"email": b.coordinator.email, "password": PASSWORD})
    assert client.get(f"/staff/events/{b.event.id}").status_code == 200
    assert b"Bravo offsite" in client.get("/staff").data
    assert b"coord@bravo.example" in client.get("/staff/team").data
    assert session.get(Event, b.event.id).status == "published"
