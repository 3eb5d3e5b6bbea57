"""The waitlist on the phone: a place in line, an offered chair to claim or turn down. No JS."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm

from ..errors import AlreadyBooked, OfferGone
from ..extensions import change_limit, db
from ..models import utcnow
from ..web import text_settings
from . import claim_offer, decline, entry_by_token, leave, place_of

bp = Blueprint("waitlist", __name__)


class TokenForm(FlaskForm):
    """CSRF only."""


def _page(token: str, notice: str | None = None, status: int = 200):
    entry = entry_by_token(db.session, token)
    now = utcnow()
    return render_template(
        "waitlist/place.html",
        place=place_of(db.session, entry, now),
        event=entry.event,
        token=token,
        form=TokenForm(),
        notice=notice,
        offer_minutes=current_app.config["WAITLIST_OFFER_MINUTES"],
    ), status


@bp.get("/w/<token>")
def place(token: str):
    return _page(token)


@bp.post("/w/<token>/claim")
@change_limit
def claim(token: str):
    entry = entry_by_token(db.session, token)
    if not TokenForm().validate_on_submit():
        return _page(token, "This page was open too long. Please try again.", 400)
    try:
        _, booking_token = claim_offer(db.session, entry, utcnow(), text_settings())
    except (OfferGone, AlreadyBooked) as exc:
        db.session.commit()  # keep what the failed claim settled (back in line, or left)
        return _page(token, exc.detail, exc.status)
    db.session.commit()
    return redirect(url_for("booking.manage", token=booking_token, new=1), 303)


@bp.post("/w/<token>/decline")
@change_limit
def decline_offer(token: str):
    entry = entry_by_token(db.session, token)
    if TokenForm().validate_on_submit():
        decline(db.session, entry, utcnow(), text_settings())
        db.session.commit()
        flash("Thanks for letting us know. The chair goes to the next person in line.", "info")
    return redirect(url_for("waitlist.place", token=token), 303)


@bp.post("/w/<token>/leave")
@change_limit
def leave_list(token: str):
    entry = entry_by_token(db.session, token)
    if TokenForm().validate_on_submit():
        leave(db.session, entry, utcnow(), text_settings())
        db.session.commit()
        flash("You are off the waitlist. We won't text you about this event again.", "info")
    return redirect(url_for("waitlist.place", token=token), 303)
