"""Staff pages for companies and the team, and the public page that accepts an invite."""

from __future__ import annotations

import datetime as dt
from zoneinfo import available_timezones

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice

from ..accounts.views import roles_required, sign_in
from ..errors import InviteGone, InviteNotFound, ValidationError
from ..events.rules import COMMON_ZONES
from ..extensions import db, limiter
from ..models import Company, utcnow
from ..web import public_url, show_errors
from .invites import (
    accept_invite,
    create_invite,
    invite_by_token,
    invite_status,
    invites_for,
    revoke_invite,
)
from .service import (
    companies,
    company_for,
    company_rows,
    country_names,
    create_company,
    set_active,
    staff_for,
    update_company,
    user_for,
)

bp = Blueprint("team", __name__)


class CompanyForm(FlaskForm):
    """Layout and CSRF only: team.service.validate_company checks the values."""

    name = StringField("Name", render_kw={"maxlength": 120, "autocomplete": "organization"})
    timezone = SelectField("Time zone", default="America/New_York", validate_choice=False)
    country = SelectField("Country", default="US", validate_choice=False)
    sms_countries = StringField(
        "Also text numbers from", render_kw={"maxlength": 60, "autocomplete": "off"}
    )


class InviteForm(FlaskForm):
    email = EmailField("Email", render_kw={"maxlength": 254, "autocomplete": "off"})
    name = StringField("Name (optional)", render_kw={"maxlength": 120, "autocomplete": "off"})


class AdminInviteForm(InviteForm):
    role = SelectField(
        "Role",
        choices=[
            SelectChoice("coordinator", "Coordinator"),
            SelectChoice("therapist", "Therapist"),
        ],
        validate_choice=False,
    )
    company_id = SelectField("Company", validate_choice=False)


class AcceptForm(FlaskForm):
    name = StringField("Your name", render_kw={"maxlength": 120, "autocomplete": "name"})
    password = PasswordField("Password", render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Password again", render_kw={"autocomplete": "new-password"})


class ActionForm(FlaskForm):
    """CSRF for the row buttons (deactivate, reactivate, revoke)."""


def _zone_choices() -> list[SelectChoice]:
    others = sorted(available_timezones() - set(COMMON_ZONES))
    return [SelectChoice(z, optgroup="Common") for z in COMMON_ZONES] + [
        SelectChoice(z, optgroup="All time zones") for z in others
    ]


@bp.get("/staff/companies")
@roles_required("admin")
def company_list():
    return render_template("team/companies.html", rows=company_rows(db.session))


@bp.route("/staff/companies/new", methods=["GET", "POST"])
@roles_required("admin")
def new_company():
    return _company_page(None)


@bp.route("/staff/companies/<int:company_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def edit_company(company_id: int):
    return _company_page(company_for(db.session, current_user, company_id))


def _company_page(company: Company | None):
    form = CompanyForm(obj=company)
    form.timezone.choices = _zone_choices()
    form.country.choices = [
        SelectChoice(code, f"{name} ({code})") for code, name in country_names().items()
    ]
    if form.validate_on_submit():
        fields = ("name", "timezone", "country", "sms_countries")
        raw, now = {k: form[k].data for k in fields}, utcnow()
        try:
            if company is None:
                company = create_company(db.session, current_user, raw, now)
                message = f"{company.name} added. Invite its coordinator from the Team page."
            else:
                update_company(db.session, current_user, company, raw, now)
                message = f"{company.name} saved."
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            db.session.commit()
            flash(message, "info")
            return redirect(url_for("team.company_list"))
    page = render_template("team/company_form.html", form=form, company=company)
    return page, 422 if form.errors else 200


def _invite_form() -> InviteForm:
    if current_user.role != "admin":
        return InviteForm()
    form = AdminInviteForm()
    form.company_id.choices = [SelectChoice("", "No company (therapists)")] + [
        SelectChoice(str(c.id), c.name) for c in companies(db.session)
    ]
    return form


def _team_page(form: InviteForm, status: int = 200):
    now = utcnow()
    invites = [(i, invite_status(i, now)) for i in invites_for(db.session, current_user)]
    page = render_template(
        "team/team.html",
        form=form,
        staff=staff_for(db.session, current_user),
        invites=invites,
        action_form=ActionForm(),
        hours=current_app.config["INVITE_TTL_HOURS"],
    )
    return page, status


@bp.get("/staff/team")
@roles_required("admin", "coordinator")
def team():
    return _team_page(_invite_form())


@bp.post("/staff/team/invites")
@roles_required("admin", "coordinator")
def invite():
    form, hours = _invite_form(), current_app.config["INVITE_TTL_HOURS"]
    if not form.validate_on_submit():
        return _team_page(form, 400)
    if isinstance(form, AdminInviteForm):
        raw = form.company_id.data or ""
        role, company = form.role.data, db.session.get(Company, int(raw)) if raw.isdigit() else None
    else:
        role, company = "coordinator", current_user.company
    try:
        invite, token = create_invite(
            db.session, current_user, form.email.data, role, company, utcnow(),
            name=form.name.data, ttl=dt.timedelta(hours=hours),
        )  # fmt: skip
    except ValidationError as exc:
        db.session.rollback()
        show_errors(form, exc, {"company": "company_id"})
        return _team_page(form, 422)
    db.session.commit()
    link = public_url("team.accept", token=token)
    return render_template("team/invite_created.html", invite=invite, link=link, hours=hours)


@bp.post("/staff/team/invites/<int:invite_id>/revoke")
@roles_required("admin")
def revoke(invite_id: int):
    invite = revoke_invite(db.session, current_user, invite_id, utcnow())
    db.session.commit()
    flash(f"The invite for {invite.email} no longer works.", "info")
    return redirect(url_for("team.team"))


@bp.post("/staff/team/users/<int:user_id>/deactivate")
@roles_required("admin")
def deactivate(user_id: int):
    return _switch(user_id, active=False)


@bp.post("/staff/team/users/<int:user_id>/reactivate")
@roles_required("admin")
def reactivate(user_id: int):
    return _switch(user_id, active=True)


def _switch(user_id: int, active: bool):
    user = user_for(db.session, current_user, user_id)
    try:
        set_active(db.session, current_user, user, active, utcnow())
    except ValidationError as exc:
        flash(" ".join(exc.errors.values()), "error")
        return redirect(url_for("team.team"))
    db.session.commit()
    who = user.name or user.email
    if active:
        flash(
            f"{who} can sign in again. Their old API token stays dead: "
            "`flask issue-token` gives them a new one.",
            "info",
        )
    else:
        flash(f"{who} is deactivated: their sessions and API token stopped working.", "info")
    return redirect(url_for("team.team"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def accept(token: str):
    try:
        invite = invite_by_token(db.session, token, utcnow())
    except (InviteGone, InviteNotFound) as exc:
        return _gone(exc)
    form = AcceptForm(data={"name": invite.name})
    if form.validate_on_submit():
        data = form.name.data, form.password.data, form.confirm.data
        try:
            user = accept_invite(db.session, token, *data, utcnow())
        except ValidationError as exc:
            db.session.rollback()
            show_errors(form, exc)
        except InviteGone as exc:
            db.session.rollback()
            return _gone(exc)
        else:
            db.session.commit()
            sign_in(user)
            flash(f"Welcome, {user.name}. Your account is ready.", "info")
            return redirect(url_for("events.home"))
    page = render_template("team/accept.html", form=form, invite=invite)
    return page, 422 if form.errors else 200


def _gone(exc: InviteGone | InviteNotFound):
    return render_template("team/invite_gone.html", title=exc.title, detail=exc.detail), exc.status
