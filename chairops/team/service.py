"""Companies (the tenants) and staff: who sees whom, and switching accounts off and on."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import NamedTuple

import phonenumbers
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from ..audit import record as audit
from ..errors import NotFound, ValidationError
from ..events.rules import parse_timezone
from ..models import Company, Event, Invite, User
from ..phones import parse_countries

NAME_LIMIT = 120


class CompanyInput(NamedTuple):
    name: str
    timezone: str
    country: str
    sms_countries: str | None = None  # more countries whose numbers it may text, "CA GB"


class CompanyRow(NamedTuple):
    """A company with what the admin's list shows beside it."""

    company: Company
    events: int
    coordinators: list[User]


@lru_cache(maxsize=1)
def country_names() -> dict[str, str]:
    """Region codes phonenumbers can parse numbers for, with English names, sorted by name."""
    # Its geodata takes a second or more to import: load it when a form needs it, not at start.
    from phonenumbers import geocoder

    names = {}
    for code in phonenumbers.SUPPORTED_REGIONS:
        example = phonenumbers.example_number(code)
        # Regions sharing a calling code (BL, MF, ...) have no name of their own there.
        names[code] = (example and geocoder.country_name_for_number(example, "en")) or code
    return dict(sorted(names.items(), key=lambda item: item[1]))


def parse_country(raw: object) -> str:
    """An ISO 3166 alpha-2 code that phone numbers can be parsed for, or ValueError."""
    code = raw.strip().upper() if isinstance(raw, str) else ""
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError("Choose a country by its two-letter code, such as US or GB.")
    return code


def validate_company(raw: dict) -> CompanyInput:
    """A company's fields as typed, checked; ValidationError names every bad field."""
    errors: dict[str, str] = {}
    name = raw.get("name").strip() if isinstance(raw.get("name"), str) else ""
    if not name:
        errors["name"] = "Give the company's name."
    elif len(name) > NAME_LIMIT:
        errors["name"] = f"Keep it to {NAME_LIMIT} characters."
    clean = {"name": name}
    for field, parse in (("timezone", parse_timezone), ("country", parse_country)):
        try:
            clean[field] = parse(raw.get(field))
        except ValueError as exc:
            errors[field] = str(exc)
    try:
        clean["sms_countries"] = parse_countries(raw.get("sms_countries"), clean.get("country"))
    except ValueError as exc:
        errors["sms_countries"] = str(exc)
    if errors:
        raise ValidationError(errors)
    return CompanyInput(**clean)


def create_company(session: Session, actor: User, raw: dict, now: dt.datetime) -> Company:
    """Add a client company (admins only; the view guards the role)."""
    company = Company(**validate_company(raw)._asdict(), created_at=now)
    session.add(company)
    session.flush()
    audit(session, actor, "company.created", company, now, name=company.name)
    return company


def update_company(
    session: Session, actor: User, company: Company, raw: dict, now: dt.datetime
) -> list[str]:
    """Change a company's name, time zone, country or texting countries (each left as it is
    when `raw` does not give it); return the fields that changed."""
    data = validate_company(raw)
    changed = [
        field
        for field, value in data._asdict().items()
        if field in raw and getattr(company, field) != value
    ]
    for field in changed:
        setattr(company, field, getattr(data, field))
    if changed:
        audit(session, actor, "company.updated", company, now, fields=changed)
    session.flush()
    return changed


def company_for(session: Session, user: User, company_id: int) -> Company:
    """A company an admin may edit; for anyone else every id is NotFound."""
    company = session.get(Company, company_id) if user.role == "admin" else None
    if company is None:
        raise NotFound("No company matches this address.")
    return company


def company_rows(session: Session) -> list[CompanyRow]:
    """Every company with its number of events and its coordinators, by name."""
    counts = dict(
        session.execute(select(Event.company_id, func.count()).group_by(Event.company_id)).all()
    )
    coordinators: dict[int, list[User]] = {}
    for user in session.scalars(
        select(User).where(User.role == "coordinator").order_by(User.name, User.email)
    ):
        coordinators.setdefault(user.company_id, []).append(user)
    companies = session.scalars(select(Company).order_by(func.lower(Company.name), Company.id))
    return [CompanyRow(c, counts.get(c.id, 0), coordinators.get(c.id, [])) for c in companies]


def companies(session: Session) -> list[Company]:
    """Every company, by name (for the admin's pickers)."""
    return list(session.scalars(select(Company).order_by(func.lower(Company.name), Company.id)))


def staff_for(session: Session, user: User) -> list[User]:
    """The staff a user may see: everyone for an admin, their company's coordinators otherwise."""
    query = select(User).options(selectinload(User.company))
    query = query.order_by(User.role, func.lower(User.name), User.email)
    if user.role == "admin":
        return list(session.scalars(query))
    if user.role == "coordinator":
        mine = (User.role == "coordinator") & (User.company_id == user.company_id)
        return list(session.scalars(query.where(mine)))
    return []


def user_for(session: Session, actor: User, user_id: int) -> User:
    """A staff account an admin may switch off or on; anything else is NotFound."""
    user = session.get(User, user_id) if actor.role == "admin" else None
    if user is None:
        raise NotFound("No staff member matches this address.")
    return user


def set_active(session: Session, actor: User, user: User, active: bool, now: dt.datetime) -> User:
    """Switch an account off (its sessions and API token stop at once) or back on."""
    if user.id == actor.id:
        raise ValidationError({"user": "You cannot deactivate or reactivate yourself."})
    if user.active == active:
        return user
    user.active = active
    if not active:
        # Reactivating must not bring an old token back: a new one has to be issued.
        user.api_token_hash = None
        # Nor may someone they invited still join on their word.
        session.execute(
            update(Invite)
            .where(
                Invite.invited_by_id == user.id,
                Invite.used_at.is_(None),
                Invite.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
    audit(session, actor, "user.reactivated" if active else "user.deactivated", user, now)
    session.flush()
    return user
