"""Companies, the team page, invites and deactivation through the test client."""

import datetime as dt
import re

import pytest
from phonenumbers import SUPPORTED_REGIONS
from sqlalchemy import select

from chairops.models import AuditEntry, Company, Invite, User, utcnow
from chairops.team.invites import create_invite
from tests.factories import PASSWORD

LINK = re.compile(r"https://chairops\.example(/invite/[A-Za-z0-9_-]{40,})")
NEW_PASSWORD = "a long new password"


def sign_in(client, user, password=PASSWORD):
    return client.post("/login", data={"email": user.email, "password": password})


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def admin(make):
    return make.user("admin")


def invite_link(response) -> str:
    match = LINK.search(response.get_data(as_text=True))
    assert match, "the invite link is shown on the page"
    return match.group(1)


# --- Companies ---


def test_admin_adds_and_edits_a_company_and_sees_the_list(client, admin, make, session):
    sign_in(client, admin)
    form = {"name": "  Acme Corp ", "timezone": "Europe/Berlin", "country": "de"}
    created = client.post("/staff/companies/new", data=form)
    assert created.status_code == 302 and created.headers["Location"] == "/staff/companies"
    company = session.scalars(select(Company)).one()
    assert (company.name, company.timezone, company.country) == ("Acme Corp", "Europe/Berlin", "DE")
    make.event(company=company)
    make.user("coordinator", company=company, email="cora@acme.example")

    page = client.get("/staff/companies").get_data(as_text=True)
    row = page[page.index("Acme Corp") :]
    assert "Europe/Berlin" in row and "<td>DE</td>" in row and "<td>1</td>" in row
    assert "cora@acme.example" in row

    edit = f"/staff/companies/{company.id}/edit"
    assert 'value="Acme Corp"' in client.get(edit).get_data(as_text=True)
    form = {"name": "Acme GmbH", "timezone": "Europe/Berlin", "country": "DE"}
    assert client.post(edit, data=form).status_code == 302
    session.expire_all()
    assert company.name == "Acme GmbH"
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.subject_type == "company"))
    assert list(actions) == ["company.created", "company.updated"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "   ", "Give the company&#39;s name."),
        ("name", "x" * 121, "Keep it to 120 characters."),
        ("timezone", "Mars/Olympus_Mons", "Choose a time zone such as America/New_York."),
        ("sms_countries", "ca, zz", "Not a country we can text: ZZ."),
        ("sms_countries", " ".join(sorted(SUPPORTED_REGIONS)[:21]), "Name at most 20 countries."),
        ("timezone", "", "Choose a time zone such as America/New_York."),
        ("country", "ZZ", "Choose a country by its two-letter code"),
        ("country", "USA", "Choose a country by its two-letter code"),
    ],
)
def test_bad_company_fields_are_422_naming_the_field(client, admin, make, session, field, value,
                                                     message):  # fmt: skip
    company = make.company(name="Kept Name")
    sign_in(client, admin)
    form = {"name": "Fine name", "timezone": "America/Chicago", "country": "US", field: value}
    for url in ("/staff/companies/new", f"/staff/companies/{company.id}/edit"):
        response = client.post(url, data=form)
        assert response.status_code == 422
        text = response.get_data(as_text=True)
        assert message in text
        assert f'id="{field}-error"' in text
    session.expire_all()
    assert session.query(Company).count() == 1
    assert (company.name, company.timezone) == ("Kept Name", "America/New_York")


def test_admin_lets_a_company_text_numbers_of_more_countries(client, admin, make, session):
    """Until then a UK mobile cannot book at a US company's event (texts abroad cost more)."""
    company = make.company(name="Initech")
    event = make.event(company=company)
    start = client.get(f"/api/v1/public/events/{event.share_token}").json["times"][0]["start"]
    body = {"name": "Uma", "phone": "+44 7400 123456", "sms_consent": True, "start": start}
    url = f"/api/v1/public/events/{event.share_token}/bookings"
    refused = client.post(url, json=body)
    assert refused.status_code == 422 and "the US" in refused.json["errors"]["phone"]

    sign_in(client, admin)
    edit = f"/staff/companies/{company.id}/edit"
    form = {"name": "Initech", "timezone": "America/New_York", "country": "US"}
    assert client.post(edit, data=form | {"sms_countries": "gb, CA gb us"}).status_code == 302
    session.expire_all()
    assert company.sms_countries == "GB CA"  # as given, once each, without its own country
    assert 'value="GB CA"' in client.get(edit).get_data(as_text=True)
    details = session.scalars(
        select(AuditEntry.detail).where(AuditEntry.action == "company.updated")
    ).all()
    assert details == [{"fields": ["sms_countries"]}]
    client.post("/logout")
    assert client.post(url, json=body).status_code == 201

    sign_in(client, admin)
    assert client.post(edit, data=form | {"sms_countries": ""}).status_code == 302
    session.expire_all()
    assert company.sms_countries is None


def test_company_pages_are_404_for_coordinators_and_therapists(client, make):
    company = make.company()
    for role in ("coordinator", "therapist"):
        client.post("/logout")
        sign_in(client, make.user(role))
        for url in (
            "/staff/companies",
            "/staff/companies/new",
            f"/staff/companies/{company.id}/edit",
        ):
            assert client.get(url).status_code == 404, (role, url)
        assert client.post("/staff/companies/new", data={"name": "Sneaky"}).status_code == 404


def test_editing_a_company_that_does_not_exist_is_404(client, admin):
    sign_in(client, admin)
    assert client.get("/staff/companies/999999/edit").status_code == 404


# --- Team page and invites ---


def test_coordinator_invites_only_a_coordinator_of_their_own_company(client, make, session):
    mine, other = make.company(name="Mine Inc"), make.company(name="Other Inc")
    coordinator = make.user("coordinator", company=mine)
    sign_in(client, coordinator)
    page = client.get("/staff/team").get_data(as_text=True)
    assert 'name="role"' not in page and 'name="company_id"' not in page
    form = {"email": "New.Person@Mine.example", "role": "therapist", "company_id": str(other.id)}
    response = client.post("/staff/team/invites", data=form)
    assert response.status_code == 200
    invite = session.scalars(select(Invite)).one()
    assert (invite.email, invite.role, invite.company_id) == (
        "new.person@mine.example",
        "coordinator",
        mine.id,
    )
    assert invite.invited_by_id == coordinator.id
    assert "Send this link to them; it works once and expires in 72 hours" in response.get_data(
        as_text=True
    )
    assert invite.token_hash not in response.get_data(as_text=True)
    assert client.get("/staff/team").get_data(as_text=True).count(invite_link(response)) == 0


def test_inviting_an_email_that_has_an_account_is_422_on_email(client, make, session):
    coordinator = make.user("coordinator")
    colleague = make.user("coordinator", company=coordinator.company)
    sign_in(client, coordinator)
    response = client.post("/staff/team/invites", data={"email": colleague.email.upper()})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert 'id="email-error"' in text and "already has an account" in text
    assert session.query(Invite).count() == 0


def test_admin_must_pick_a_company_for_a_coordinator(client, admin, session):
    sign_in(client, admin)
    form = {"email": "c@x.example", "role": "coordinator", "company_id": ""}
    response = client.post("/staff/team/invites", data=form)
    assert response.status_code == 422
    assert 'id="company_id-error"' in response.get_data(as_text=True)
    bad_role = client.post("/staff/team/invites", data={**form, "role": "admin"})
    assert bad_role.status_code == 422 and 'id="role-error"' in bad_role.get_data(as_text=True)
    assert session.query(Invite).count() == 0


def test_admin_invites_a_therapist_who_joins_and_lands_on_the_tablet(app, admin, session):
    admin.name = "Olga Operator"
    session.commit()
    staff, newcomer = app.test_client(), app.test_client()
    sign_in(staff, admin)
    form = {"email": "theo@spa.example", "name": "Theo", "role": "therapist", "company_id": ""}
    created = staff.post("/staff/team/invites", data=form)
    assert created.status_code == 200
    link = invite_link(created)

    page = newcomer.get(link)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Olga Operator" in text and "therapist" in text and "theo@spa.example" in text
    assert 'value="Theo"' in text
    joined = newcomer.post(
        link, data={"name": "Theo Thera", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert joined.status_code == 302 and joined.headers["Location"] == "/staff"
    assert newcomer.get("/staff").headers["Location"] == "/tablet/"
    assert newcomer.get("/tablet/").status_code == 200

    user = session.scalars(select(User).where(User.email == "theo@spa.example")).one()
    assert (user.role, user.company_id, user.name, user.active) == (
        "therapist",
        None,
        "Theo Thera",
        True,
    )
    invite = session.scalars(select(Invite)).one()
    assert invite.used_at is not None and invite.user_id == user.id
    fresh = app.test_client()
    assert sign_in(fresh, user, NEW_PASSWORD).headers["Location"] == "/staff"
    assert fresh.get("/staff").headers["Location"] == "/tablet/"
    team = staff.get("/staff/team").get_data(as_text=True)
    assert "status-used" in team and "theo@spa.example" in team


def test_invited_coordinator_joins_their_company(client, make, session):
    company = make.company(name="Globex")
    coordinator = make.user("coordinator", company=company)
    _, token = create_invite(
        session, coordinator, "new@globex.example", "coordinator", company, utcnow()
    )
    session.commit()
    page = client.get(f"/invite/{token}").get_data(as_text=True)
    assert "coordinator" in page and "Globex" in page
    form = {"name": "Nia New", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert client.post(f"/invite/{token}", data=form).headers["Location"] == "/staff"
    assert client.get("/staff").status_code == 200
    user = session.scalars(select(User).where(User.email == "new@globex.example")).one()
    assert (user.role, user.company_id) == ("coordinator", company.id)


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"name": "", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, "name"),
        ({"name": "Al", "password": "short", "confirm": "short"}, "password"),
        ({"name": "Al", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "!"}, "confirm"),
    ],
)
def test_bad_accept_fields_are_422_and_the_invite_stays_usable(client, admin, session, form,
                                                                field):  # fmt: skip
    _, token = create_invite(session, admin, "t@x.example", "therapist", None, utcnow())
    session.commit()
    response = client.post(f"/invite/{token}", data=form)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert session.query(User).count() == 1
    session.expire_all()
    assert session.scalars(select(Invite)).one().used_at is None
    good = {"name": "Al", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert client.post(f"/invite/{token}", data=good).status_code == 302


@pytest.mark.parametrize("how", ["used", "expired", "revoked"])
def test_a_used_expired_or_revoked_invite_is_a_clear_410(app, admin, session, how):
    sign_in(staff := app.test_client(), admin)
    now = utcnow()
    invite, token = create_invite(session, admin, "t@x.example", "therapist", None, now)
    session.commit()
    good = {"name": "Tess", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    if how == "used":
        assert app.test_client().post(f"/invite/{token}", data=good).status_code == 302
    elif how == "expired":
        invite.expires_at = now - dt.timedelta(seconds=1)
        session.commit()
    else:
        assert staff.post(f"/staff/team/invites/{invite.id}/revoke").status_code == 302
    other = app.test_client()
    for response in (other.get(f"/invite/{token}"), other.post(f"/invite/{token}", data=good)):
        assert response.status_code == 410
        text = response.get_data(as_text=True)
        assert "This invite link no longer works" in text
        assert {"used": "used already", "expired": "expired", "revoked": "withdrawn"}[how] in text
    assert session.query(User).count() == (2 if how == "used" else 1)
    assert f"status-{how}" in staff.get("/staff/team").get_data(as_text=True)


def test_an_unknown_invite_link_is_404(client):
    assert client.get("/invite/" + "x" * 43).status_code == 404
    assert client.get("/invite/short").status_code == 404


def test_a_new_invite_replaces_the_pending_one_for_that_email(client, admin, session):
    sign_in(client, admin)
    form = {"email": "t@x.example", "role": "therapist"}
    first = invite_link(client.post("/staff/team/invites", data=form))
    second = invite_link(client.post("/staff/team/invites", data=form))
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200


# --- Who sees whom ---


def test_coordinator_sees_only_their_companys_coordinators(client, make, session):
    mine = make.user("coordinator", email="me@a.example")
    colleague = make.user("coordinator", company=mine.company, email="colleague@a.example")
    stranger = make.user("coordinator", email="stranger@b.example")
    therapist = make.user("therapist", email="thera@spa.example")
    admin = make.user("admin", email="boss@spa.example")
    create_invite(session, admin, "invitee@b.example", "coordinator", stranger.company, utcnow())
    session.commit()
    sign_in(client, mine)
    page = client.get("/staff/team").get_data(as_text=True)
    assert colleague.email in page and mine.email in page
    for hidden in (stranger.email, therapist.email, admin.email, "invitee@b.example"):
        assert hidden not in page
    assert "Deactivate" not in page and "Revoke" not in page
    assert client.post(f"/staff/team/users/{colleague.id}/deactivate").status_code == 404


def test_admin_sees_every_staff_member_and_nav_links(client, make, admin):
    users = [make.user("coordinator"), make.user("coordinator"), make.user("therapist")]
    sign_in(client, admin)
    page = client.get("/staff/team").get_data(as_text=True)
    for user in users:
        assert user.email in page
        assert user.company is None or user.company.name in page
    assert page.count(">Deactivate<") == 3  # everyone but the admin themself
    assert 'href="/staff/companies"' in page and 'href="/staff/team"' in page


def test_coordinator_nav_has_team_only_and_therapist_gets_404(app, make):
    coordinator = app.test_client()
    sign_in(coordinator, make.user("coordinator"))
    page = coordinator.get("/staff").get_data(as_text=True)
    assert 'href="/staff/team"' in page and 'href="/staff/companies"' not in page
    therapist = app.test_client()
    sign_in(therapist, make.user("therapist"))
    assert therapist.get("/staff/team").status_code == 404
    assert therapist.post("/staff/team/invites", data={"email": "x@y.example"}).status_code == 404


# --- Deactivation ---


def test_deactivation_ends_the_session_and_the_api_token_at_once(app, make, admin, session):
    coordinator, token = make.user("coordinator", api_token=True)
    theirs, mine = app.test_client(), app.test_client()
    sign_in(theirs, coordinator)
    assert theirs.get("/staff").status_code == 200
    assert theirs.get("/api/v1/me", headers=bearer(token)).status_code == 200
    sign_in(mine, admin)

    assert mine.post(f"/staff/team/users/{coordinator.id}/deactivate").status_code == 302
    after = theirs.get("/staff")
    assert after.status_code == 302 and after.headers["Location"].startswith("/login")
    assert app.test_client().get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert b"do not match an active account" in sign_in(app.test_client(), coordinator).data
    assert "status-deactivated" in mine.get("/staff/team").get_data(as_text=True)

    assert mine.post(f"/staff/team/users/{coordinator.id}/reactivate").status_code == 302
    assert app.test_client().get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert sign_in(app.test_client(), coordinator).headers["Location"] == "/staff"
    actions = session.scalars(
        select(AuditEntry.action).where(
            AuditEntry.subject_type == "user", AuditEntry.subject_id == coordinator.id
        )
    )
    assert list(actions) == ["user.deactivated", "user.reactivated"]


def test_admin_cannot_deactivate_themselves_and_others_get_404(client, make, admin, session):
    sign_in(client, admin)
    response = client.post(f"/staff/team/users/{admin.id}/deactivate", follow_redirects=True)
    assert b"cannot deactivate or reactivate yourself" in response.data
    session.expire_all()
    assert admin.active
    assert client.post("/staff/team/users/999999/deactivate").status_code == 404
    assert client.post("/staff/team/invites/999999/revoke").status_code == 404


def test_a_reactivated_user_gets_a_new_token_from_the_command_line(app, make, session, client):
    from chairops.team.service import set_active

    admin = make.user("admin")
    user, old = make.user("coordinator", api_token=True)
    set_active(session, admin, user, False, utcnow())
    session.commit()
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["issue-token", "--email", user.email])
    assert refused.exit_code != 0 and "No active user" in refused.output
    set_active(session, admin, user, True, utcnow())
    session.commit()
    issued = runner.invoke(args=["issue-token", "--email", user.email.upper()])
    assert issued.exit_code == 0, issued.output
    token = issued.output.rsplit(" ", 1)[-1].strip()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json["email"] == user.email
    stale = client.get("/api/v1/me", headers={"Authorization": f"Bearer {old}"})
    assert stale.status_code == 401
