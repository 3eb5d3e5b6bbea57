"""The outcomes API on SQLite and PostgreSQL: the after score, the reports, who may see them."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import select

from chairops.models import AuditEntry, Screen
from chairops.outcomes.rules import ALL, ROUTINES
from chairops.outcomes.service import record_pain_after
from tests.outcome_data import (
    BACK_STANDARD,
    GLUTE,
    NECK_ONLY,
    SCIATICA,
    came,
    event_on,
    local_today,
)
from tests.unit.test_outcomes_privacy import derivable_small_groups

pytestmark = pytest.mark.usefixtures("backend")
QUANTITIES = ("people", "before", "after", "two_days")


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def coordinator(make):
    return make.user("coordinator", api_token=True)


@pytest.fixture
def past(make, coordinator):
    """An event of the coordinator's company, twelve days ago: every score counts by now."""
    return event_on(make, local_today() - dt.timedelta(days=12), company=coordinator[0].company)


def scored(make, session, event, first: int, count: int, answers=GLUTE, after=3, two_days=4):
    """`count` people who came and gave after and two-day scores, through the service."""
    for n in range(first, first + count):
        booking = came(make, session, event, n, answers, two_days=two_days)
        record_pain_after(session, booking, after, booking.slot.ends_at)
    session.commit()


def event_report(client, token, event):
    response = client.get(f"/api/v1/events/{event.id}/outcomes", headers=bearer(token))
    assert response.status_code == 200, response.json
    return {g["routine"]: g for g in response.json["groups"]}, response.json


def assert_no_small_group_derivable(groups: dict, sizes: dict):
    """The checker of the property test, over the numbers this API answer shows."""
    for quantity in QUANTITIES:
        cells = []
        for name, group in groups.items():
            shown = group["people"] if quantity == "people" else (group[quantity] or {}).get("n")
            if shown is not None:
                routines = ROUTINES if name == ALL else [name]
                cells.append({(0, r) for r in routines})
                assert shown == sum(sizes[quantity].get(r, 0) for r in routines)
        atoms = {(0, r): sizes[quantity].get(r, 0) for r in ROUTINES}
        assert derivable_small_groups(cells, atoms, 5) == [], quantity


def test_four_glute_exception_people_give_no_number_five_give_means(
    client, make, session, coordinator, past
):
    _, token = coordinator
    scored(make, session, past, 1, 4)  # four glute exception people, all scored
    scored(make, session, past, 10, 6, answers=BACK_STANDARD, after=2, two_days=2)
    groups, body = event_report(client, token, past)
    assert body["min_group"] == 5 and body["pending"] == []
    assert groups["glute_exception"] == {
        "routine": "glute_exception", "withheld": True, "people": None, "before": None,
        "after": None, "two_days": None, "improved_2_or_more": None,
    }  # fmt: skip
    assert groups["standard"]["people"] == 6 and groups["standard"]["before"]["mean"] == 4.0
    # All (10) minus standard (6) would be the four glute people: withheld as well.
    assert groups[ALL]["withheld"] is True
    sizes = {q: {"glute_exception": 4, "standard": 6} for q in QUANTITIES}
    assert_no_small_group_derivable(groups, sizes)

    scored(make, session, past, 5, 1)  # the fifth
    groups, _ = event_report(client, token, past)
    glute = groups["glute_exception"]
    assert glute["withheld"] is False and glute["people"] == 5
    assert glute["before"] == {"n": 5, "mean": 8.0, "median": 8.0}
    assert glute["after"] == {"n": 5, "mean": 3.0, "median": 3.0}
    assert glute["two_days"] == {"n": 5, "mean": 4.0, "median": 4.0}
    assert glute["improved_2_or_more"] == 1.0
    assert groups[ALL]["people"] == 11 and groups[ALL]["after"]["mean"] == 2.5
    sizes = {q: {"glute_exception": 5, "standard": 6} for q in QUANTITIES}
    assert_no_small_group_derivable(groups, sizes)


def test_people_without_a_back_score_count_as_people_only(client, make, session, coordinator, past):
    _, token = coordinator
    scored(make, session, past, 1, 5, answers=BACK_STANDARD)
    for n in range(10, 13):
        came(make, session, past, n, NECK_ONLY)
    groups, _ = event_report(client, token, past)
    standard = groups["standard"]
    assert standard["people"] == 8 and standard["before"]["n"] == 5 and standard["after"]["n"] == 5


def test_a_report_counts_nothing_before_the_events_day_is_over(client, make, session, coordinator):
    _, token = coordinator
    today = event_on(make, local_today(), company=coordinator[0].company)
    scored(make, session, today, 1, 6)
    groups, body = event_report(client, token, today)
    assert body["pending"] == ["before", "after", "two_days"] and body["events"] == 0
    assert all(g["withheld"] for g in groups.values())
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "outcomes.viewed")) is None


def test_two_day_scores_count_once_their_replies_have_closed(client, make, session, coordinator):
    _, token = coordinator
    recent = event_on(make, local_today() - dt.timedelta(days=4), company=coordinator[0].company)
    scored(make, session, recent, 1, 5)
    groups, body = event_report(client, token, recent)
    assert body["pending"] == ["two_days"]
    assert groups["glute_exception"]["after"]["n"] == 5
    assert groups["glute_exception"]["two_days"] is None


def test_a_company_report_adds_up_events_between_two_dates(
    client, make, session, coordinator, past
):
    user, token = coordinator
    scored(make, session, past, 1, 5)
    other = event_on(make, past.date - dt.timedelta(days=20), company=user.company)
    scored(make, session, other, 1, 5, after=5)
    scored(make, session, other, 20, 3, answers=SCIATICA)  # 3 modified: never counted
    url = f"/api/v1/companies/{user.company_id}/outcomes"
    both = {"from": other.date.isoformat(), "to": past.date.isoformat()}
    body = client.get(url, query_string=both, headers=bearer(token)).json
    groups = {g["routine"]: g for g in body["groups"]}
    assert body["events"] == 2 and groups["glute_exception"]["people"] == 10
    assert groups["glute_exception"]["after"]["mean"] == 4.0
    assert groups["modified"]["withheld"] is True
    # The older event's all (8, with 3 modified hidden) is withheld in its own report.
    assert groups[ALL]["people"] == 5
    one = {"from": past.date.isoformat(), "to": past.date.isoformat()}
    body = client.get(url, query_string=one, headers=bearer(token)).json
    assert body["events"] == 1


@pytest.mark.parametrize(
    ("query", "fields"),
    [({}, {"from", "to"}), ({"from": "2026-13-01", "to": "2026-12-31"}, {"from"}),
     ({"from": "2026-12-31", "to": "2026-01-01"}, {"to"})],
)  # fmt: skip
def test_a_company_report_needs_two_dates_in_order(client, coordinator, query, fields):
    user, token = coordinator
    url = f"/api/v1/companies/{user.company_id}/outcomes"
    response = client.get(url, query_string=query, headers=bearer(token))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert set(response.json["errors"]) == fields


def test_only_that_companys_coordinator_and_admins_see_a_report(
    client, make, session, coordinator, past
):
    scored(make, session, past, 1, 5)
    dates = {"from": past.date.isoformat(), "to": past.date.isoformat()}
    outsider, outsider_token = make.user("coordinator", api_token=True)
    therapist, therapist_token = make.user("therapist", api_token=True)
    past.chairs[0].therapist = therapist
    admin, admin_token = make.user("admin", api_token=True)
    session.commit()
    event_url = f"/api/v1/events/{past.id}/outcomes"
    company_url = f"/api/v1/companies/{past.company_id}/outcomes"
    for token in (outsider_token, therapist_token):
        assert client.get(event_url, headers=bearer(token)).status_code == 404
        response = client.get(company_url, query_string=dates, headers=bearer(token))
        assert response.status_code == 404
    assert client.get(event_url).status_code == 401
    assert client.get(event_url, headers=bearer(admin_token)).status_code == 200
    response = client.get(company_url, query_string=dates, headers=bearer(admin_token))
    assert response.json["events"] == 1
    nowhere = client.get("/api/v1/companies/99999/outcomes", query_string=dates,
                         headers=bearer(admin_token))  # fmt: skip
    assert nowhere.status_code == 404


def test_every_view_with_numbers_is_audited_and_the_csv_has_the_same_numbers(
    client, make, session, coordinator, past
):
    user, token = coordinator
    scored(make, session, past, 1, 5)
    url = f"/api/v1/events/{past.id}/outcomes"
    body = client.get(url, headers=bearer(token)).json
    response = client.get(url, headers={**bearer(token), "Accept": "text/csv"})
    assert response.mimetype == "text/csv"
    rows = {r["routine"]: r for r in csv.DictReader(io.StringIO(response.get_data(as_text=True)))}
    glute = next(g for g in body["groups"] if g["routine"] == "glute_exception")
    assert rows["glute_exception"]["before_mean"] == str(glute["before"]["mean"])
    assert rows["standard"]["people"] == "fewer than 5"
    views = session.scalars(select(AuditEntry).where(AuditEntry.action == "outcomes.viewed")).all()
    assert [(v.user_id, v.subject_type, v.subject_id) for v in views] == [
        (user.id, "event", past.id)
    ] * 2


@pytest.fixture
def at_the_chair(make, session):
    """Today's event; chair 1's therapist; a glute exception person who has just finished."""
    event = event_on(make, local_today(), chairs=2)
    therapist, token = make.user("therapist", api_token=True)
    event.chairs[0].therapist = therapist
    session.commit()
    booking = came(make, session, event, 1, GLUTE)
    if booking.slot.chair.number != 1:
        booking = came(make, session, event, 2, GLUTE)
    return event, token, booking


def test_the_chairs_therapist_records_the_after_score(client, session, at_the_chair):
    _, token, booking = at_the_chair
    url = f"/api/v1/bookings/{booking.id}/pain-after"
    response = client.put(url, json={"score": 2}, headers=bearer(token))
    assert response.status_code == 200
    assert response.json == {"booking": {"id": booking.id, "pain_after": 2}}
    session.expire_all()
    assert session.scalar(select(Screen.pain_after)) == 2


@pytest.mark.parametrize("body", [{"score": 11}, {"score": "3"}, {"score": 3.5}, {}, {"x": 1}])
def test_a_bad_after_score_is_a_422_naming_score(client, at_the_chair, body):
    _, token, booking = at_the_chair
    url = f"/api/v1/bookings/{booking.id}/pain-after"
    response = client.put(url, json=body, headers=bearer(token))
    assert response.status_code == 422 and set(response.json["errors"]) == {"score"}


def test_the_after_score_outside_reach_is_404_and_without_a_before_score_409(
    client, make, session, at_the_chair
):
    event, token, booking = at_the_chair
    url = f"/api/v1/bookings/{booking.id}/pain-after"
    _, other_token = make.user("therapist", api_token=True)
    _, coordinator_token = make.user("coordinator", company=event.company, api_token=True)
    for outsider in (other_token, coordinator_token):
        assert client.put(url, json={"score": 2}, headers=bearer(outsider)).status_code == 404
    neck = came(make, session, event, 7, NECK_ONLY)
    neck.slot.chair.therapist = event.chairs[0].therapist
    session.commit()
    response = client.put(
        f"/api/v1/bookings/{neck.id}/pain-after", json={"score": 2}, headers=bearer(token)
    )
    assert response.status_code == 409 and response.json["type"] == "/problems/no-before-score"
