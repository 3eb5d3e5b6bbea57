"""The therapist's tablet: pick a chair, work its queue, take a screen, add a walk-in."""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from ..accounts.views import roles_required
from ..errors import BadTransition, NotNow, ValidationError
from ..extensions import change_limit, db
from ..formatting import in_zone
from ..models import utcnow
from ..screening.rules import CAUTION_LABELS
from ..screening.service import routine_card, submit_screen
from ..screening.views import answers_from_form
from ..web import checkin_lead, no_store, text_settings
from . import rules
from .service import (
    add_walk_in,
    blocked_moves,
    booking_for_staff,
    chair_for,
    load_queue,
    queue_etag,
    queue_fingerprint,
    set_late,
    set_status,
    step_timer,
    therapist_chairs,
    undo_last,
    walk_in_refusal,
)

bp = Blueprint("tablet", __name__, url_prefix="/tablet")
staff = roles_required("therapist", "admin")
ACTIONS = {
    "checked_in": "Check in",
    "in_service": "Start",
    "completed": "Complete",
    "no_show": "No-show",
}


# Where a tap came from on the chair page: an element id, nothing else.
_ANCHOR = re.compile(r"[a-z][a-z0-9-]{0,39}")


class ActionForm(FlaskForm):
    """CSRF only."""


@bp.get("/")
@staff
def home():
    tiles = therapist_chairs(db.session, current_user, utcnow())
    last = session.get("tablet_chair")
    return render_template("tablet/home.html", tiles=tiles, last=last)


def _queue_context(event_id: int, number: int) -> dict:
    chair = chair_for(db.session, current_user, event_id, number)
    view = load_queue(db.session, chair)
    focus, now = view.focus, utcnow()
    card = routine_card(focus.screen, view.event.slot_minutes) if focus and focus.screen else None
    minutes = [step.minutes for step in card.steps] if card else []
    return {
        "view": view,
        "event": view.event,
        "chair": chair,
        "focus": focus,
        "card": card,
        "timer": step_timer(focus, minutes, now) if focus else None,
        "now": now,
        "mm_ss": rules.mm_ss,
        "undoable": {
            b.id for b in view.bookings.values()
            if rules.can_undo(b.previous_status, b.status_changed_at, now)
        },
        "blocked": blocked_moves(view, now, checkin_lead()),
        "walk_in_closed": walk_in_refusal(view.event, now),
        "actions": ACTIONS,
        "caution_labels": CAUTION_LABELS,
        "forward": rules.FORWARD,
        "form": ActionForm(),
    }  # fmt: skip


@bp.get("/events/<int:event_id>/chairs/<int:number>")
@staff
@no_store
def chair(event_id: int, number: int):
    context = _queue_context(event_id, number)
    session["tablet_chair"] = {"event_id": event_id, "number": number}
    return render_template("tablet/chair.html", **context)


@bp.get("/events/<int:event_id>/chairs/<int:number>/live")
@staff
@no_store
def live(event_id: int, number: int):
    """The queue fragment for polling; an unchanged queue answers 304 with no body."""
    context = _queue_context(event_id, number)
    # From the data shown, not the HTML, so nothing rendered per request can defeat the 304.
    etag = queue_etag(
        {
            "queue": queue_fingerprint(context["view"]),
            "undo": sorted(context["undoable"]),
            "blocked": sorted(context["blocked"].items()),
        }
    )
    headers = {"ETag": f'"{etag}"'}  # no-store, like the page: it shows screen outcomes
    if etag in request.if_none_match:
        return "", 304, headers
    return render_template("tablet/_queue.html", **context), 200, headers


def _back(booking_or_chair) -> str:
    """The chair page, back at the place the tap came from (?at=booking-12), so nothing jumps."""
    chair = getattr(booking_or_chair, "slot", None)
    chair = chair.chair if chair else booking_or_chair
    url = url_for("tablet.chair", event_id=chair.event_id, number=chair.number)
    at = request.args.get("at", "")
    return f"{url}#{at}" if _ANCHOR.fullmatch(at) else url


@bp.post("/bookings/<int:booking_id>/status")
@change_limit
@staff
def status(booking_id: int):
    booking = booking_for_staff(db.session, current_user, booking_id)
    if ActionForm().validate_on_submit():
        try:
            wanted = request.form.get("status", "")
            now, texts = utcnow(), text_settings()
            set_status(db.session, booking, wanted, now, texts=texts, lead=checkin_lead())
            db.session.commit()
        except (BadTransition, NotNow) as exc:
            db.session.rollback()
            flash(exc.detail, "error")
    return redirect(_back(booking), 303)


@bp.post("/bookings/<int:booking_id>/undo")
@change_limit
@staff
def undo(booking_id: int):
    booking = booking_for_staff(db.session, current_user, booking_id)
    if ActionForm().validate_on_submit():
        try:
            undo_last(db.session, booking, utcnow())
            db.session.commit()
        except BadTransition as exc:
            db.session.rollback()
            flash(exc.detail, "error")
    return redirect(_back(booking), 303)


@bp.post("/events/<int:event_id>/chairs/<int:number>/walk-in")
@change_limit
@staff
def walk_in(event_id: int, number: int):
    chair = chair_for(db.session, current_user, event_id, number)
    if ActionForm().validate_on_submit():
        try:
            form = request.form
            booking = add_walk_in(db.session, chair, form.get("name"), form.get("phone"), utcnow())
            db.session.commit()
            when = in_zone(booking.slot.starts_at, chair.event.timezone).strftime("%-I:%M %p")
            flash(f"{booking.name} is in at {when}.", "info")
        except ValidationError as exc:
            db.session.rollback()
            flash(" ".join(exc.errors.values()), "error")
        except NotNow as exc:
            db.session.rollback()
            flash(exc.detail, "error")
    return redirect(_back(chair), 303)


@bp.post("/events/<int:event_id>/chairs/<int:number>/late")
@change_limit
@staff
def late(event_id: int, number: int):
    chair = chair_for(db.session, current_user, event_id, number)
    if ActionForm().validate_on_submit():
        change = request.form.get("change", "")
        step = {"5": 5, "-5": -5}.get(change, 0)
        minutes = 0 if change == "reset" else chair.late_minutes + step
        set_late(db.session, chair, minutes, now=utcnow(), texts=text_settings())
        db.session.commit()
    return redirect(_back(chair), 303)


@bp.route("/bookings/<int:booking_id>/screen", methods=["GET", "POST"])
@staff
@no_store
def take_screen(booking_id: int):
    """The therapist takes the screen with the attendee on the tablet."""
    booking = booking_for_staff(db.session, current_user, booking_id)
    if booking.status not in rules.WAITING:
        abort(404)
    errors, status_code, values = {}, 200, {}
    if ActionForm().validate_on_submit():
        values = answers_from_form(request.form)
        try:
            submit_screen(db.session, booking, values, utcnow(), taken_by="therapist")
            db.session.commit()
            return redirect(_back(booking), 303)
        except ValidationError as exc:
            db.session.rollback()
            errors, status_code = exc.errors, 422
    return render_template(
        "screening/screen.html", booking=booking, values=values, errors=errors, back=_back(booking)
    ), status_code
