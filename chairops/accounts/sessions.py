"""Staff sign-ins kept on the server, so signing out or a new password ends copied cookies.

The session cookie and the remember cookie carry a login id, "<user id>:<token>"; the token's
hash is a row in staff_sessions. Deleting the row ends both cookies wherever they were copied.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from ..errors import ValidationError
from ..models import StaffSession, User
from ..tokens import hash_token
from .service import password_problems


def start_session(session: Session, user: User, now: dt.datetime) -> str:
    """Record a new sign-in of this user; return the login id the cookies will carry."""
    token = secrets.token_urlsafe(32)
    session.add(StaffSession(user_id=user.id, token_hash=hash_token(token), created_at=now))
    session.flush()
    return f"{user.id}:{token}"


def _split(login_id: object) -> tuple[int, str] | None:
    if not isinstance(login_id, str) or len(login_id) > 120:
        return None
    user_id, _, token = login_id.partition(":")
    if not (user_id.isascii() and user_id.isdigit() and len(user_id) <= 10 and token):
        return None
    return int(user_id), token


def user_for_session(session: Session, login_id: object) -> User | None:
    """The active user of a live sign-in, or None (signed out, password changed, old cookie)."""
    parts = _split(login_id)
    if parts is None:
        return None
    user_id, token = parts
    digest = hash_token(token)
    row = session.execute(
        select(User, StaffSession.token_hash)
        .join(StaffSession, StaffSession.user_id == User.id)
        .where(StaffSession.token_hash == digest, User.id == user_id)
    ).first()
    if row is None or not hmac.compare_digest(row.token_hash, digest) or not row.User.active:
        return None
    return row.User


def end_session(session: Session, login_id: object) -> bool:
    """Sign this login out everywhere its cookies went; True if it was live."""
    parts = _split(login_id)
    if parts is None:
        return False
    query = delete(StaffSession).where(StaffSession.token_hash == hash_token(parts[1]))
    return session.execute(query).rowcount > 0


def end_other_sessions(session: Session, user: User, keep: object = None) -> int:
    """End every sign-in of the user but `keep` (the caller's own); return how many ended."""
    query = delete(StaffSession).where(StaffSession.user_id == user.id)
    parts = _split(keep)
    if parts is not None:
        query = query.where(StaffSession.token_hash != hash_token(parts[1]))
    return session.execute(query).rowcount


def end_stale_sessions(session: Session, now: dt.datetime, days: int) -> int:
    """End sign-ins older than the remember-me lifetime (a forgotten browser stays open)."""
    cutoff = now - dt.timedelta(days=days)
    return session.execute(delete(StaffSession).where(StaffSession.created_at < cutoff)).rowcount


def change_password(
    session: Session, user: User, password: str, keep: object = None, confirm: object = None
) -> None:
    """Set a new password; every other sign-in of the user ends at once."""
    problems = password_problems(password, confirm)
    if problems:
        raise ValidationError(problems)
    user.password_hash = generate_password_hash(password)
    end_other_sessions(session, user, keep)
    session.flush()
