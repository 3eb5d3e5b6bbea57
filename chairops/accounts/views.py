"""Staff sign-in and sign-out, changing one's password, the user loaders, and the role guard."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import AnonymousUserMixin, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from ..errors import ValidationError
from ..extensions import db, limiter, login_manager
from ..models import User, utcnow
from ..web import problem, show_errors
from .service import authenticate, password_matches, user_by_api_token
from .sessions import change_password, end_session, start_session, user_for_session

bp = Blueprint("accounts", __name__)
login_manager.login_view = "accounts.login"
login_manager.login_message = "Please sign in to continue."


@login_manager.user_loader
def load_user(login_id: str) -> User | None:
    # Signed out, a new password, or deactivated: the session and remember cookies stop at once.
    return user_for_session(db.session, login_id)


@bp.before_app_request
def api_uses_bearer_tokens_only():
    """The JSON API never acts on cookies, so another site cannot make a browser call it."""
    if not request.path.startswith("/api/"):
        return
    header = request.headers.get("Authorization", "")
    user = None
    if header.startswith("Bearer "):
        user = user_by_api_token(db.session, header[len("Bearer ") :].strip())
    g._login_user = user or AnonymousUserMixin()  # Flask-Login's per-request user


def sign_in(user: User, remember: bool = False) -> None:
    """Start a server-side sign-in and put its id in the session (and remember) cookie."""
    login_id = start_session(db.session, user, utcnow())
    db.session.commit()
    login_user(user, remember=remember)
    session["_user_id"] = login_id  # the cookies carry the login, not the bare user id


def roles_required(*roles: str):
    """Allow only signed-in staff of these roles; others see 404 so nothing can be probed."""

    def decorate(view):
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if current_user.role not in roles:
                abort(404)
            return view(*args, **kwargs)

        return wrapper

    return decorate


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    remember = BooleanField("Keep me signed in on this device")


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc and target.startswith("/") else None


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(db.session, form.email.data, form.password.data)
        if user is not None:
            sign_in(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")) or url_for("events.home"))
        # In the form's error summary, at the top, linked to the email field.
        form.form_errors.append("That email and password do not match an active account.")
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    end_session(db.session, session.get("_user_id"))
    db.session.commit()
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("accounts.login"))


class PasswordForm(FlaskForm):
    current = PasswordField("Current password", render_kw={"autocomplete": "current-password"})
    password = PasswordField("New password", render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("New password again", render_kw={"autocomplete": "new-password"})


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def password():
    """Change one's own password; every other sign-in of this account ends (a lost laptop)."""
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            if not password_matches(current_user, form.current.data):
                raise ValidationError({"current": "That is not your current password."})
            change_password(
                db.session, current_user, form.password.data,
                keep=session.get("_user_id"), confirm=form.confirm.data,
            )  # fmt: skip
        except ValidationError as exc:
            db.session.rollback()
            show_errors(form, exc)
        else:
            db.session.commit()
            flash(
                "Your password is changed. Every other device signed in as you is signed out.",
                "info",
            )
            return redirect(url_for("events.home"))
    return render_template("accounts/password.html", form=form), 422 if form.errors else 200


@login_manager.unauthorized_handler
def unauthorized():
    if request.path.startswith("/api/"):
        return problem(
            401, "unauthorized", "Sign in required", "Send Authorization: Bearer <api token>."
        )
    flash(login_manager.login_message, "info")
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
