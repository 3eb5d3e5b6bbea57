"""The audit log: who looked at or changed what (DESIGN.md section 2)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from .models import AuditEntry, User


def record(session: Session, actor: User | None, action: str, subject, now: dt.datetime, **detail):
    """Write one entry about `subject` (an event, booking, company, user or invite)."""
    session.add(
        AuditEntry(
            at=now,
            user_id=actor.id if actor else None,
            action=action,
            subject_type=type(subject).__name__.lower(),
            subject_id=subject.id,
            detail=detail,
        )
    )
