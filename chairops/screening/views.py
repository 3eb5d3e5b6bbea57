"""The pre-chair screen on the attendee's phone, and the routine card for therapists and admins."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from ..booking.service import booking_by_token, screen_open
from ..errors import ValidationError
from ..extensions import db, limiter
from ..models import utcnow
from ..web import no_store, text_settings
from .service import (
    advice_for,
    booking_for_therapist,
    reveal_answers,
    routine_card,
    submit_screen,
)

bp = Blueprint("screening", __name__)
YES_NO = {"yes": True, "no": False}


@bp.app_template_global()
def yes_no(value: object) -> str | None:
    """A stored boolean answer as the form's radio value."""
    return {True: "yes", False: "no"}.get(value)


class ScreenForm(FlaskForm):
    """CSRF only: the answers are validated by screening.rules, which names any bad field."""


def answers_from_form(form: MultiDict) -> dict:
    """Turn the posted form into the answer fields of API.md; absent answers stay absent."""
    raw: dict = {
        "pain_areas": form.getlist("pain_areas"),
        "conditions": form.getlist("conditions"),
        "avoid_note": form.get("avoid_note", ""),
    }
    for name in ("leg_symptoms", "pressure"):
        if form.get(name):
            raw[name] = form[name]
    for name in ("red_flags", "new_or_different"):
        if form.get(name) in YES_NO:
            raw[name] = YES_NO[form[name]]
    pain = form.get("low_back_pain", "").strip()
    if pain:
        raw["low_back_pain"] = int(pain) if pain.isdigit() else pain
    return raw


def _screen_limit() -> str:
    return current_app.config["SCREEN_RATE_LIMIT"]


@bp.route("/b/<token>/screen", methods=["GET", "POST"])
@limiter.limit(_screen_limit, methods=["POST"])
@no_store
def screen(token: str):
    booking = booking_by_token(db.session, token)
    form, now = ScreenForm(), utcnow()
    errors, status = {}, 200
    values = (booking.screen.answers if booking.screen and booking.screen.answers else {}) or {}
    if not screen_open(booking, now):
        return render_template("screening/closed.html", booking=booking, token=token), 409
    if form.validate_on_submit():
        values = answers_from_form(request.form)
        try:
            submit_screen(db.session, booking, values, now, token=token, texts=text_settings())
            db.session.commit()
            return redirect(url_for("screening.done", token=token), 303)
        except ValidationError as exc:
            db.session.rollback()
            errors, status = exc.errors, 422
    return render_template(
        "screening/screen.html", booking=booking, token=token, values=values, errors=errors
    ), status


@bp.get("/b/<token>/screen/done")
@no_store
def done(token: str):
    booking = booking_by_token(db.session, token)
    if booking.screen is None:
        return redirect(url_for("screening.screen", token=token))
    urgent = booking.screen.rule == "R1"
    return render_template(
        "screening/done.html", booking=booking, token=token, advice=advice_for(booking.screen),
        urgent=urgent, no_massage=booking.screen.routine == "refer",
    )  # fmt: skip


def _render_card(booking, answers=None, revealed=False):
    screen = booking.screen
    return render_template(
        "screening/card.html",
        booking=booking,
        screen=screen,
        routine=routine_card(screen, booking.event.slot_minutes) if screen else None,
        answers=answers,
        revealed=revealed,
        form=ScreenForm(),
    )


@bp.get("/staff/bookings/<int:booking_id>/card")
@login_required
@no_store
def card(booking_id: int):
    return _render_card(booking_for_therapist(db.session, current_user, booking_id))


@bp.post("/staff/bookings/<int:booking_id>/answers")
@login_required
@no_store
def show_answers(booking_id: int):
    booking = booking_for_therapist(db.session, current_user, booking_id)
    if not ScreenForm().validate_on_submit():
        return redirect(url_for("screening.card", booking_id=booking.id))
    answers = reveal_answers(db.session, booking, current_user, utcnow())
    db.session.commit()
    return _render_card(booking, answers=answers, revealed=True)
