"""Invites: single-use links that expire, through which new staff set their own password."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from ..accounts.service import create_user, password_problems
from ..audit import record as audit
from ..errors import InviteGone, InviteNotFound, NotFound, ValidationError
from ..models import INVITE_ROLES, Company, Invite, User
from ..tokens import hash_token, link_digest
from .service import NAME_LIMIT

DEFAULT_TTL = dt.timedelta(hours=72)
ACCOUNT_EXISTS = "Someone already has an account with this email. Sign in instead."


def invite_status(invite: Invite, now: dt.datetime) -> str:
    """pending, used, revoked or expired."""
    if invite.used_at is not None:
        return "used"
    if invite.revoked_at is not None:
        return "revoked"
    return "expired" if invite.expires_at <= now else "pending"


def _check_invite(
    session: Session, inviter: User, email: str, role: str, company: Company | None
) -> dict[str, str]:
    errors = {}
    if "@" not in email or len(email) > 254:
        errors["email"] = "Give a valid email address."
    elif session.scalar(select(User.id).where(func.lower(User.email) == email)):
        errors["email"] = "Someone already has an account with this email."
    if inviter.role == "coordinator":
        if role != "coordinator":
            errors["role"] = "Coordinators can invite other coordinators only."
        elif company is None or company.id != inviter.company_id:
            errors["company"] = "You can invite people to your own company only."
    elif role not in INVITE_ROLES:
        errors["role"] = "Choose coordinator or therapist."
    elif role == "coordinator" and company is None:
        errors["company"] = "Choose the company this coordinator works for."
    return errors


def create_invite(
    session: Session,
    inviter: User,
    email: str,
    role: str,
    company: Company | None,
    now: dt.datetime,
    *,
    name: str = "",
    ttl: dt.timedelta = DEFAULT_TTL,
) -> tuple[Invite, str]:
    """An invite and its secret token (returned once; only its hash is kept).

    Admins invite coordinators (of a company) and therapists (of none); coordinators invite
    coordinators of their own company. A new invite replaces a pending one for the same email.
    """
    if inviter.role not in ("admin", "coordinator"):
        raise NotFound()
    email = (email or "").strip().lower()
    name = (name or "").strip()
    errors = _check_invite(session, inviter, email, role, company)
    if len(name) > NAME_LIMIT:
        errors["name"] = f"Keep it to {NAME_LIMIT} characters."
    if errors:
        raise ValidationError(errors)
    session.execute(
        update(Invite)
        .where(Invite.email == email, Invite.used_at.is_(None), Invite.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    token = secrets.token_urlsafe(32)
    invite = Invite(
        token_hash=hash_token(token),
        email=email,
        name=name,
        role=role,
        company=company if role == "coordinator" else None,
        invited_by_id=inviter.id,
        created_at=now,
        expires_at=now + ttl,
    )
    session.add(invite)
    session.flush()
    audit(session, inviter, "invite.created", invite, now, role=role, company_id=invite.company_id)
    return invite, token


def invites_for(session: Session, user: User) -> list[Invite]:
    """The invites a user may see, newest first: all for an admin, their company's otherwise."""
    query = select(Invite).options(selectinload(Invite.company), selectinload(Invite.invited_by))
    query = query.order_by(Invite.created_at.desc(), Invite.id.desc()).limit(200)
    if user.role == "coordinator":
        query = query.where(Invite.company_id == user.company_id)
    elif user.role != "admin":
        return []
    return list(session.scalars(query))


def _gone_detail(invite: Invite, status: str) -> str:
    who = invite.invited_by.name or invite.invited_by.email if invite.invited_by else "your contact"
    return {
        "used": "This invite has been used already. Sign in with the email and password "
        "chosen then, or ask for a new invite.",
        "revoked": f"This invite was withdrawn. Ask {who} for a new one if you still need it.",
        "expired": f"This invite has expired. Ask {who} to send you a new one.",
    }[status]


def invite_by_token(session: Session, token: str, now: dt.datetime) -> Invite:
    """The pending invite behind a link; InviteNotFound or InviteGone (410) otherwise."""
    digest = link_digest(token)
    if digest is None:
        raise InviteNotFound("This invite link is not valid. Check that you copied all of it.")
    # Looking up the hash, not the token, keeps the comparison free of timing leaks.
    invite = session.scalar(select(Invite).where(Invite.token_hash == digest))
    if invite is None:
        raise InviteNotFound("This invite link is not valid. Check that you copied all of it.")
    status = invite_status(invite, now)
    if status != "pending":
        raise InviteGone(_gone_detail(invite, status))
    return invite


def _check_account(name: str, password: str, confirm: str) -> None:
    errors = {}
    if not name:
        errors["name"] = "Give your name as colleagues know it."
    elif len(name) > NAME_LIMIT:
        errors["name"] = f"Keep it to {NAME_LIMIT} characters."
    errors |= password_problems(password, confirm)
    if errors:
        raise ValidationError(errors)


def accept_invite(
    session: Session, token: str, name: str, password: str, confirm: str, now: dt.datetime
) -> User:
    """Create the invited account and use up the invite; a second accept gets InviteGone."""
    invite = invite_by_token(session, token, now)
    name, password, confirm = (name or "").strip(), password or "", confirm or ""
    _check_account(name, password, confirm)
    # The conditional update is the lock: of two accepts at once, one matches the row.
    claimed = session.execute(
        update(Invite)
        .where(
            Invite.id == invite.id,
            Invite.used_at.is_(None),
            Invite.revoked_at.is_(None),
            Invite.expires_at > now,
        )
        .values(used_at=now)
    ).rowcount
    if claimed != 1:
        session.refresh(invite)
        raise InviteGone(_gone_detail(invite, invite_status(invite, now)))
    try:
        with session.begin_nested():
            user = create_user(session, invite.email, password, invite.role, invite.company, name)
    except IntegrityError as exc:
        raise InviteGone(ACCOUNT_EXISTS) from exc
    except ValidationError as exc:
        if "email" in exc.errors:
            raise InviteGone(ACCOUNT_EXISTS) from exc
        raise
    invite.user_id = user.id
    audit(session, user, "invite.accepted", invite, now, role=invite.role)
    session.flush()
    return user


def revoke_invite(session: Session, actor: User, invite_id: int, now: dt.datetime) -> Invite:
    """Withdraw a pending invite (admins only); a used one stays as it was."""
    invite = session.get(Invite, invite_id) if actor.role == "admin" else None
    if invite is None:
        raise NotFound("No invite matches this address.")
    if invite_status(invite, now) == "pending":
        invite.revoked_at = now
        audit(session, actor, "invite.revoked", invite, now)
        session.flush()
    return invite
