"""The attendee's "Free up my time for someone else" after a no-massage screen: confirm, then
thanks (and, to reschedule, the next event's link). Phone pages, no JavaScript needed."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_wtf import FlaskForm

from ..extensions import db, limiter
from ..models import utcnow
from ..web import text_settings
from .free_up import free_up, may_free_up, next_event
from .service import booking_by_token

bp = Blueprint("free_up", __name__)


class FreeUpForm(FlaskForm):
    """CSRF only."""


@bp.get("/b/<token>/free-up")
def confirm(token: str):
    """Ask before freeing the time; once freed, say thanks."""
    booking = booking_by_token(db.session, token)
    if booking.status != "cancelled" and not may_free_up(booking):
        return redirect(url_for("booking.manage", token=token))
    return render_template(
        "booking/free_up.html", booking=booking, event=booking.event, token=token,
        freed=booking.status == "cancelled", later=next_event(db.session, booking, utcnow()),
    )  # fmt: skip


@bp.post("/b/<token>/free-up")
@limiter.limit(lambda: current_app.config["CLAIM_RATE_LIMIT"])
def release(token: str):
    booking = booking_by_token(db.session, token)
    if FreeUpForm().validate_on_submit():
        free_up(db.session, booking, utcnow(), text_settings())
        db.session.commit()
    return redirect(url_for("free_up.confirm", token=token), 303)
