"""Coordinator pages for programmes: the list, the form that shows the dates before saving, the
programme page with every date's figures, and the edit page that lists the booked dates a change
would touch. Works without JavaScript: "Preview dates" is a submit button."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from ..accounts.views import roles_required
from ..coordinator.rules import SEGMENT_LABELS
from ..errors import ProgrammeDatesBooked, ValidationError
from ..events.views import EventForm
from ..extensions import db
from ..models import Company, Programme, utcnow
from ..seating.rules import priority_window
from ..web import text_settings
from . import rules
from .service import (
    change_programme,
    create_programme,
    plan_change,
    programme_fields,
    programme_for,
    programmes_for,
    validate_programme,
)
from .stats import programme_stats

bp = Blueprint("programmes", __name__)
STAFF = ("admin", "coordinator")
_NUMBER = {"type": "number"}


def _choices(labels: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


class ProgrammeForm(EventForm):
    """The event template without a date, the recurrence, and the sign-up settings."""

    date = None  # each date comes from the recurrence
    dtstart = StringField("First date from", render_kw={"type": "date"})
    pattern = SelectField("Repeats", choices=_choices(rules.PATTERNS), default="weekly")
    interval = StringField("Every how many weeks", default="1", render_kw=_NUMBER | {"min": 1})
    nth = SelectField("Which", choices=_choices(rules.NTH), default="1")
    nth_weekday = SelectField("Weekday", choices=_choices(rules.WEEKDAYS), default="TU")
    monthday = StringField("Day of the month", render_kw=_NUMBER | {"min": 1, "max": 31})
    ends = RadioField(
        "Ends", choices=_choices({"count": "After a number of dates", "until": "On a date"}),
        default="count",
    )  # fmt: skip
    count = StringField("How many dates", default="10", render_kw=_NUMBER | {"min": 1})
    until = StringField("Last day", render_kw={"type": "date"})
    rrule = StringField("RRULE", render_kw={"placeholder": "FREQ=MONTHLY;BYDAY=1TU;COUNT=10"})
    exdates = TextAreaField("Skip these dates", render_kw={"rows": 2, "placeholder": "2027-07-06"})
    signup_opens_days_before = StringField(
        "Sign-up opens (days before)", default="7", render_kw=_NUMBER | {"min": 0, "max": 60}
    )
    signup_opens_time = StringField("at", default="09:00", render_kw={"type": "time"})
    priority_hours = StringField(
        "Priority window (hours)", default="24", render_kw=_NUMBER | {"min": 0, "max": 168}
    )
    monthly_cap = StringField("Massages per person per month", render_kw=_NUMBER | {"min": 1})
    publish = BooleanField("Publish the dates now (each opens for sign-up on its own schedule)")


def _raw(form: ProgrammeForm) -> dict:
    """The form as the service takes it; the recurrence builder's choices become an RRULE."""
    skip = {"csrf_token", "pattern", "interval", "nth", "nth_weekday", "monthday", "ends"}
    raw = {name: value for name, value in form.data.items() if name not in skip | {"count"}}
    raw["rrule"] = rules.compose_rrule(request.form, request.form.getlist("weekdays"))
    return raw


def _show_errors(form: ProgrammeForm, errors: dict[str, str]) -> None:
    for name, message in errors.items():
        if name == "rrule" and form.pattern.data != "custom":
            name = "pattern"  # the builder made the rule: say it next to the builder
        target = form._fields.get(name) or form.pattern
        target.errors = [*target.errors, message]


def _dates_table(data) -> list[tuple]:
    """(date, sign-up opens, priority window ends) for each date of a preview."""
    s, tz = data.settings, data.template.timezone
    rows = []
    for day in data.dates:
        opens = rules.signup_opens_at(day, tz, s.signup_opens_days_before, s.signup_opens_time)
        window = priority_window(opens, s.priority_hours)
        rows.append((day, opens, window[1] if window else None))
    return rows


@bp.app_template_filter("preview_dates")
def preview_dates(days) -> str:
    return rules.preview(days)


@bp.app_template_filter("opens_at")
def opens_at(moment, tz: str) -> str:
    return rules.opens_wording(moment, tz)


@bp.get("/staff/programmes")
@roles_required(*STAFF)
def index():
    programmes = programmes_for(db.session, current_user)
    return render_template("programmes/index.html", programmes=programmes)


@bp.route("/staff/programmes/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def new():
    form = ProgrammeForm()
    company = (
        current_user.company or db.session.scalars(db.select(Company).order_by(Company.id)).first()
    )
    if not form.is_submitted() and company is not None:
        form.timezone.data = company.timezone
    preview = None
    if form.validate_on_submit():
        try:
            data = validate_programme(_raw(form), now=utcnow())
        except (ValidationError, rules.InvalidSettings) as exc:
            _show_errors(form, exc.errors)
        else:
            if request.form.get("action") == "create":
                programme = create_programme(db.session, company, data, current_user, utcnow())
                db.session.commit()
                flash(f"Programme saved with {len(data.dates)} dates.", "info")
                return redirect(url_for("programmes.detail", programme_id=programme.id))
            preview = data
    page = render_template(
        "programmes/form.html", form=form, preview=preview, rows=_rows(preview), editing=None,
        weekdays=request.form.getlist("weekdays") if form.is_submitted() else ["TU"],
    )  # fmt: skip
    return page, 422 if form.errors else 200


def _rows(preview) -> list[tuple]:
    return _dates_table(preview) if preview else []


@bp.get("/staff/programmes/<int:programme_id>")
@roles_required(*STAFF)
def detail(programme_id: int):
    programme = programme_for(db.session, current_user, programme_id)
    stats = programme_stats(db.session, programme)
    return render_template(
        "programmes/detail.html", programme=programme, stats=stats, labels=SEGMENT_LABELS,
        now=utcnow(),
    )  # fmt: skip


def _edit_form(programme: Programme) -> ProgrammeForm:
    fields = programme_fields(programme)
    data = fields | {"pattern": "custom", "exdates": " ".join(fields["exdates"])}
    data["monthly_cap"] = "" if fields["monthly_cap"] is None else str(fields["monthly_cap"])
    text = {k: str(v) if type(v) is int else v for k, v in data.items()}  # bool stays bool
    return ProgrammeForm(data=text)


@bp.route("/staff/programmes/<int:programme_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF)
def edit(programme_id: int):
    """Change the programme; the preview lists what happens to each future date first."""
    programme = programme_for(db.session, current_user, programme_id)
    form, plan, conflict, now = _edit_form(programme), None, None, utcnow()
    if form.validate_on_submit():
        choice = request.form.get("booked_dates")
        try:
            raw = _raw(form) | ({"publish": True} if programme.publish else {})
            if request.form.get("action") == "save":
                result = change_programme(db.session, programme, raw, current_user, now,
                                          text_settings(), choice)  # fmt: skip
                db.session.commit()
                flash(result.summary(), "info")
                return redirect(url_for("programmes.detail", programme_id=programme.id))
            plan = plan_change(db.session, programme, raw, now)[1]
        except (ValidationError, rules.InvalidSettings) as exc:
            _show_errors(form, exc.errors)
        except ProgrammeDatesBooked as exc:
            db.session.rollback()
            conflict, plan = exc, plan_change(db.session, programme, raw, now)[1]
    page = render_template(
        "programmes/form.html", form=form, preview=None, rows=[], editing=programme, plan=plan,
        conflict=conflict, weekdays=request.form.getlist("weekdays"),
    )  # fmt: skip
    return page, 409 if conflict else 422 if form.errors else 200
