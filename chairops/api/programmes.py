"""The programmes endpoints of API.md: recurring dates created, read and changed together.

Registers its routes on the API blueprint of api/views.py; the app factory imports it.
"""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user, login_required

from ..errors import ProgrammeNotFound, ValidationError
from ..extensions import db
from ..models import Programme, utcnow
from ..programmes import rules
from ..programmes.service import (
    change_programme,
    create_programme,
    programme_fields,
    programme_for,
    programmes_for,
    validate_programme,
)
from ..programmes.stats import programme_stats
from ..seating.rules import priority_window
from ..web import public_url, text_settings
from .views import _company_for_new_event, bp, iso, json_body


def date_json(event, programme: Programme) -> dict:
    """One date of a programme: its event, and when its sign-up and priority window open."""
    window = priority_window(event.signup_opens_at, programme.priority_hours)
    return {
        "id": event.id,
        "date": event.date.isoformat(),
        "share_token": event.share_token,
        "status": event.status,
        "signup_opens_at": iso(event, event.signup_opens_at) if event.signup_opens_at else None,
        "priority_ends_at": iso(event, window[1]) if window else None,
        "signup_url": public_url("booking.event_page", share_token=event.share_token),
    }


def programme_json(programme: Programme) -> dict:
    return programme_fields(programme) | {
        "id": programme.id,
        "company_id": programme.company_id,
        "events": [
            date_json(event, programme)
            for event in sorted(programme.events, key=lambda e: (e.date, e.id))
        ],
    }


def stats_json(programme: Programme) -> dict:
    stats = programme_stats(db.session, programme)
    return {
        "people_served": stats.people_served,
        "people_booked": stats.people_booked,
        "turned_away": stats.turned_away,
        "dates": [
            {
                "event_id": d.event.id,
                "date": d.event.date.isoformat(),
                "status": d.event.status,
                "slots": d.tally.slots,
                "booked": d.tally.claimed,
                "attended": d.tally.attended,
                "no_show": d.tally.no_show,
                "waitlist_joined": d.waitlist_joined,
                "waitlist_unseated": d.waitlist_unseated,
                "turned_away": d.turned_away,
            }  # fmt: skip
            for d in stats.dates
        ],
    }


@bp.post("/programmes")
@login_required
def create_programme_api():
    body = json_body()
    company = _company_for_new_event(body)
    now = utcnow()
    data = validate_programme(body, now=now)
    programme = create_programme(db.session, company, data, current_user, now)
    payload = programme_json(programme)
    db.session.commit()
    return jsonify(programme=payload), 201


@bp.get("/programmes")
@login_required
def list_programmes_api():
    if current_user.role not in ("admin", "coordinator"):
        raise ProgrammeNotFound()
    programmes = programmes_for(db.session, current_user)
    company_id = request.args.get("company_id", type=int)
    if company_id is not None:
        programmes = [p for p in programmes if p.company_id == company_id]
    return jsonify(programmes=[programme_json(p) for p in programmes])


@bp.get("/programmes/<int:programme_id>")
@login_required
def get_programme_api(programme_id: int):
    programme = programme_for(db.session, current_user, programme_id)
    return jsonify(programme=programme_json(programme) | {"stats": stats_json(programme)})


@bp.patch("/programmes/<int:programme_id>")
@login_required
def change_programme_api(programme_id: int):
    """Change a programme; dates with bookings need "booked_dates": "keep" or "change"."""
    programme = programme_for(db.session, current_user, programme_id)
    body = json_body()
    choice = body.get("booked_dates")
    if choice is not None and choice not in rules.BOOKED_DATES:
        raise ValidationError({"booked_dates": 'Give "keep" or "change".'})
    result = change_programme(
        db.session, programme, body, current_user, utcnow(), text_settings(), choice
    )
    payload = programme_json(programme) | {
        "changed": result.count("change"), "added": result.count("create"),
        "cancelled": result.count("cancel"), "kept": [s.day.isoformat() for s in result.kept],
    }  # fmt: skip
    db.session.commit()
    return jsonify(programme=payload)
