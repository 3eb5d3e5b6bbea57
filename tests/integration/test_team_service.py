"""Invites, companies and deactivation against the database, on SQLite and PostgreSQL."""

import datetime as dt

import pytest
from sqlalchemy import select

from chairops.accounts.service import authenticate, user_by_api_token
from chairops.errors import InviteGone, InviteNotFound, NotFound, ValidationError
from chairops.models import AuditEntry, Invite, User, utcnow
from chairops.team.invites import accept_invite, create_invite, invite_by_token, revoke_invite
from chairops.team.service import create_company, set_active, update_company, validate_company
from chairops.tokens import hash_token

PASSWORD = "a long new password"
NOW = dt.datetime(2031, 3, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def admin(make):
    return make.user("admin")


def accept(session, token, now=NOW, name="Nia New"):
    user = accept_invite(session, token, name, PASSWORD, PASSWORD, now)
    session.commit()
    return user


def test_an_invite_keeps_only_the_hash_and_expires_after_the_ttl(backend, session, admin):
    invite, token = create_invite(
        session, admin, " Nia@Example.COM ", "therapist", None, NOW, ttl=dt.timedelta(hours=5)
    )
    session.commit()
    assert len(token) >= 40
    assert invite.token_hash == hash_token(token) != token
    assert invite.email == "nia@example.com" and invite.company_id is None
    assert invite.expires_at == NOW + dt.timedelta(hours=5)
    stored = session.execute(select(Invite.__table__)).one()._asdict()
    assert token not in {str(v) for v in stored.values()}
    audit = session.scalars(select(AuditEntry)).one()
    assert (audit.action, audit.subject_type, audit.subject_id) == (
        "invite.created",
        "invite",
        invite.id,
    )

    assert invite_by_token(session, token, NOW + dt.timedelta(hours=4, minutes=59)) == invite
    with pytest.raises(InviteGone, match="expired"):
        invite_by_token(session, token, NOW + dt.timedelta(hours=5))
    with pytest.raises(InviteGone):
        accept(session, token, now=NOW + dt.timedelta(hours=6))
    assert session.query(User).count() == 1


def test_accepting_creates_the_account_once(backend, session, make):
    company = make.company()
    coordinator = make.user("coordinator", company=company)
    invite, token = create_invite(
        session, coordinator, "new@c.example", "coordinator", company, NOW
    )
    session.commit()
    user = accept(session, token)
    assert (user.role, user.company_id, user.name) == ("coordinator", company.id, "Nia New")
    assert authenticate(session, "new@c.example", PASSWORD) == user
    session.expire_all()
    assert invite.used_at == NOW and invite.user_id == user.id
    with pytest.raises(InviteGone, match="used already"):
        accept(session, token, now=NOW + dt.timedelta(minutes=1))
    session.rollback()
    assert session.query(User).count() == 2
    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))
    assert list(actions) == ["invite.created", "invite.accepted"]


def test_a_revoked_invite_cannot_be_accepted_and_a_used_one_stays_used(backend, session, admin):
    invite, token = create_invite(session, admin, "a@x.example", "therapist", None, NOW)
    used, used_token = create_invite(session, admin, "b@x.example", "therapist", None, NOW)
    session.commit()
    accept(session, used_token)
    revoke_invite(session, admin, invite.id, NOW)
    revoke_invite(session, admin, used.id, NOW)
    session.commit()
    with pytest.raises(InviteGone, match="withdrawn"):
        accept(session, token)
    session.rollback()
    assert used.revoked_at is None and used.used_at is not None
    assert invite.revoked_at == NOW


def test_unknown_or_malformed_tokens_are_not_found(backend, session):
    for token in ("", "short", "x" * 43, "y" * 500):
        with pytest.raises(InviteNotFound):
            invite_by_token(session, token, NOW)


def test_who_may_invite_whom(backend, session, make, admin):
    mine, other = make.company(), make.company()
    coordinator = make.user("coordinator", company=mine)
    therapist = make.user("therapist")
    cases = [
        (coordinator, "therapist", mine, "role"),
        (coordinator, "coordinator", other, "company"),
        (coordinator, "coordinator", None, "company"),
        (admin, "coordinator", None, "company"),
        (admin, "admin", None, "role"),
        (admin, "therapist", None, None),
        (coordinator, "coordinator", mine, None),
    ]
    for n, (inviter, role, company, field) in enumerate(cases):
        email = f"person{n}@x.example"
        if field is None:
            invite, _ = create_invite(session, inviter, email, role, company, NOW)
            assert invite.role == role
            continue
        with pytest.raises(ValidationError) as caught:
            create_invite(session, inviter, email, role, company, NOW)
        assert field in caught.value.errors, (inviter.role, role)
    with pytest.raises(ValidationError) as caught:
        create_invite(session, admin, therapist.email.upper(), "therapist", None, NOW)
    assert "email" in caught.value.errors
    with pytest.raises(NotFound):
        create_invite(session, therapist, "t@x.example", "therapist", None, NOW)


def test_a_therapist_invite_never_carries_a_company(backend, session, make, admin):
    invite, _ = create_invite(session, admin, "t@x.example", "therapist", make.company(), NOW)
    assert invite.company_id is None


def test_deactivating_drops_the_api_token_for_good(backend, session, make, admin):
    user, token = make.user("coordinator", api_token=True)
    set_active(session, admin, user, False, NOW)
    session.commit()
    assert user_by_api_token(session, token) is None and user.api_token_hash is None
    set_active(session, admin, user, True, NOW)
    session.commit()
    assert user.active and user_by_api_token(session, token) is None
    with pytest.raises(ValidationError):
        set_active(session, admin, admin, False, NOW)
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.action, e.subject_type, e.subject_id, e.user_id) for e in entries] == [
        ("user.deactivated", "user", user.id, admin.id),
        ("user.reactivated", "user", user.id, admin.id),
    ]


def test_a_deactivated_users_pending_invites_stop_working(backend, session, make, admin):
    company = make.company()
    coordinator = make.user("coordinator", company=company)
    invite, token = create_invite(
        session, coordinator, "new@x.example", "coordinator", company, NOW
    )
    session.commit()
    set_active(session, admin, coordinator, False, NOW)
    session.commit()
    with pytest.raises(InviteGone):
        accept(session, token, NOW + dt.timedelta(minutes=1))
    session.rollback()
    session.refresh(invite)
    assert invite.revoked_at == NOW and invite.user_id is None


@pytest.mark.parametrize(
    ("raw", "fields"),
    [
        ({"name": "A", "timezone": "Asia/Tokyo", "country": "jp"}, set()),
        ({"name": "", "timezone": "Asia/Tokyo", "country": "JP"}, {"name"}),
        ({"name": "A", "timezone": "Tokyo", "country": "JP"}, {"timezone"}),
        ({"name": "A", "timezone": None, "country": None}, {"timezone", "country"}),
        ({"name": "A" * 121, "timezone": "UTC", "country": "XX"}, {"name", "country"}),
        (
            {"name": "A", "timezone": "UTC", "country": "JP", "sms_countries": "KR X"},
            {"sms_countries"},
        ),
    ],
)
def test_company_validation_names_each_bad_field(raw, fields):
    if not fields:
        assert validate_company(raw).country == "JP"
        return
    with pytest.raises(ValidationError) as caught:
        validate_company(raw)
    assert set(caught.value.errors) == fields


def test_company_changes_are_audited(backend, session, admin):
    raw = {"name": "Initech", "timezone": "America/Chicago", "country": "US"}
    company = create_company(session, admin, raw, utcnow())
    assert update_company(session, admin, company, raw, utcnow()) == []
    assert update_company(session, admin, company, {**raw, "country": "CA"}, utcnow()) == [
        "country"
    ]
    session.commit()
    details = session.execute(select(AuditEntry.action, AuditEntry.detail)).all()
    assert [tuple(d) for d in details] == [
        ("company.created", {"name": "Initech"}),
        ("company.updated", {"fields": ["country"]}),
    ]
