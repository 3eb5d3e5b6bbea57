"""Staff accounts: creating users, checking passwords, API tokens."""

from __future__ import annotations

import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..errors import ValidationError
from ..models import ROLES, Company, User
from ..tokens import hash_token

# Checked against when the email is unknown, so both paths cost one hash.
_DUMMY_HASH = generate_password_hash("not-a-real-password")
PASSWORD_MIN, PASSWORD_MAX = 10, 200


def password_problems(password: object, confirm: object = None) -> dict[str, str]:
    """What is wrong with a new password (and its confirmation, when one was asked for), by
    field; empty if nothing. One rule for invites, the password page and the CLI."""
    if not isinstance(password, str) or len(password) < PASSWORD_MIN:
        return {"password": f"Use at least {PASSWORD_MIN} characters."}
    if len(password) > PASSWORD_MAX:
        return {"password": f"Keep it to {PASSWORD_MAX} characters."}
    if confirm is not None and confirm != password:
        return {"confirm": "The two passwords differ. Type the same one twice."}
    return {}


def password_matches(user: User, password: object) -> bool:
    return isinstance(password, str) and check_password_hash(user.password_hash, password)


def create_user(
    session: Session,
    email: str,
    password: str,
    role: str,
    company: Company | None = None,
    name: str = "",
) -> User:
    """Add a staff member; coordinators belong to a company, others may not need one."""
    errors = {}
    email = (email or "").strip().lower()
    if "@" not in email or len(email) > 254:
        errors["email"] = "Give a valid email address."
    elif session.scalar(select(User).where(func.lower(User.email) == email)):
        errors["email"] = "A user with this email exists already."
    if role not in ROLES:
        errors["role"] = f"Role must be one of {', '.join(ROLES)}."
    if role == "coordinator" and company is None:
        errors["company"] = "A coordinator belongs to a company."
    errors |= password_problems(password)
    if errors:
        raise ValidationError(errors)
    user = User(
        email=email,
        password_hash=generate_password_hash(password),
        role=role,
        company=company,
        name=name,
        active=True,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, or None."""
    user = session.scalar(
        select(User).where(func.lower(User.email) == (email or "").strip().lower())
    )
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        return None
    return user


def issue_api_token(session: Session, user: User) -> str:
    """Give the user a new API token (the old one stops working); only its hash is kept."""
    token = "co_" + secrets.token_urlsafe(32)
    user.api_token_hash = hash_token(token)
    session.flush()
    return token


def user_by_api_token(session: Session, token: str) -> User | None:
    """The active user holding this bearer token, or None."""
    if not token or len(token) > 200:
        return None
    user = session.scalar(select(User).where(User.api_token_hash == hash_token(token)))
    return user if user is not None and user.active else None
