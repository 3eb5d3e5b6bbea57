"""The walk-up line in the JSON API: join, one's place, leave, call next, not here.

Registers on the API blueprint of views.py; chairops/__init__.py imports this module for that.
"""

from __future__ import annotations

from flask import current_app, jsonify
from flask_login import current_user, login_required

from ..booking.service import event_by_share_token
from ..extensions import db, limiter
from ..models import LineEntry, utcnow
from ..tablet.service import chair_for
from ..walkup.calls import call_next, entry_for_staff, not_here
from ..walkup.service import Joiner, entry_by_token, join, leave, place_of
from ..walkup.views import line_settings
from ..web import public_url, text_settings
from .views import bp, iso, json_body


def line_entry_json(entry: LineEntry, token: str | None = None) -> dict:
    """A place in line as its person sees it; the token and link only when joining."""
    place = place_of(db.session, entry)
    body = {
        "position": place.position,
        "estimated_wait_minutes": place.wait_minutes,
        "status": place.status,
        "chair": place.chair,
        "joined_at": iso(entry.event, entry.joined_at),
    }
    if token:
        body |= {"token": token, "url": public_url("walkup.place", token=token)}
    return body


def staff_entry_json(entry: LineEntry) -> dict:
    """A line entry as a therapist sees it."""
    place = place_of(db.session, entry)
    return {
        "id": entry.id,
        "name": entry.name,
        "status": place.status,
        "chair": entry.chair_number,
        "position": place.position,
        "joined_at": iso(entry.event, entry.joined_at),
        "booking_id": entry.booking_id,
    }


@bp.post("/public/events/<share_token>/line")
@limiter.limit(lambda: current_app.config["CLAIM_RATE_LIMIT"])
def public_join_line(share_token: str):
    event = event_by_share_token(db.session, share_token)
    body = json_body()
    joiner = Joiner(body.get("name"), body.get("phone"), body.get("sms_consent", False))
    entry, token = join(db.session, event, joiner, utcnow(), line_settings())
    answer = line_entry_json(entry, token)
    db.session.commit()
    return jsonify(entry=answer), 201


@bp.get("/line/<token>")
def get_line_place(token: str):
    return jsonify(entry=line_entry_json(entry_by_token(db.session, token)))


@bp.delete("/line/<token>")
@limiter.limit(lambda: current_app.config["CLAIM_RATE_LIMIT"])
def leave_line(token: str):
    """Leave the line; leaving twice (or after being seen) answers the place as it stands."""
    entry = entry_by_token(db.session, token)
    leave(db.session, entry, utcnow(), line_settings(), text_settings())
    db.session.commit()
    return jsonify(entry=line_entry_json(entry))


@bp.post("/events/<int:event_id>/chairs/<int:number>/call-next")
@login_required
def line_call_next(event_id: int, number: int):
    chair = chair_for(db.session, current_user, event_id, number)
    entry = call_next(db.session, chair, utcnow(), line_settings(), text_settings())
    answer = staff_entry_json(entry)
    db.session.commit()
    return jsonify(entry=answer)


@bp.post("/line-entries/<int:line_entry_id>/not-here")
@login_required
def line_not_here(line_entry_id: int):
    entry = entry_for_staff(db.session, current_user, line_entry_id)
    if entry.chair_number is not None:  # only that chair's therapist (or an admin)
        chair_for(db.session, current_user, entry.event_id, entry.chair_number)
    not_here(db.session, entry, utcnow(), line_settings(), text_settings())
    answer = staff_entry_json(entry)
    db.session.commit()
    return jsonify(entry=answer)
