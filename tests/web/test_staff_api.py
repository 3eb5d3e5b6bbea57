"""Staff endpoints: bearer tokens, event creation rules, and tenant scoping (404, never 403)."""

import pytest

GOOD = {
    "title": "Wellness day",
    "location": "1 Main St",
    "timezone": "America/New_York",
    "date": "2031-06-03",
    "start_time": "10:00",
    "end_time": "12:00",
    "chairs": 3,
    "slot_minutes": 15,
    "buffer_minutes": 5,
}


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def coordinator(make):
    return make.user("coordinator", api_token=True)


def test_me_needs_a_token_and_tells_who_calls(client, coordinator):
    user, token = coordinator
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers=bearer("co_wrong")).status_code == 401
    body = client.get("/api/v1/me", headers=bearer(token)).json
    assert body == {
        "id": user.id,
        "email": user.email,
        "role": "coordinator",
        "company_id": user.company_id,
    }


def test_coordinator_creates_and_publishes_for_their_company(client, coordinator):
    user, token = coordinator
    created = client.post("/api/v1/events", json=GOOD, headers=bearer(token))
    assert created.status_code == 201
    event = created.json["event"]
    assert (event["status"], event["slots"], event["company_id"]) == ("draft", 18, user.company_id)
    assert client.get(f"/api/v1/public/events/{event['share_token']}").status_code == 404
    published = client.post(f"/api/v1/events/{event['id']}/publish", headers=bearer(token))
    assert published.json["event"]["status"] == "published"
    assert client.get(f"/api/v1/public/events/{event['share_token']}").status_code == 200


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"timezone": "Atlantis/Capital"}, "timezone"),
        ({"end_time": "09:00"}, "end_time"),
        ({"chairs": 0}, "chairs"),
        ({"slot_minutes": 200}, "slot_minutes"),
        ({"slot_minutes": 90, "end_time": "11:00"}, "slot_minutes"),
        ({"date": "2020-01-01"}, "date"),
        ({"date": "soon"}, "date"),
    ],
)
def test_bad_events_are_422_naming_the_field(client, coordinator, change, field):
    response = client.post(
        "/api/v1/events", json={**GOOD, **change}, headers=bearer(coordinator[1])
    )
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in response.json["errors"]


def test_admin_must_name_an_existing_company(client, make):
    _, token = make.user("admin", api_token=True)
    company = make.company()
    assert client.post("/api/v1/events", json=GOOD, headers=bearer(token)).status_code == 422
    bad = {**GOOD, "company_id": 9999}
    assert client.post("/api/v1/events", json=bad, headers=bearer(token)).json["errors"]
    ok = client.post(
        "/api/v1/events", json={**GOOD, "company_id": company.id}, headers=bearer(token)
    )
    assert ok.status_code == 201 and ok.json["event"]["company_id"] == company.id


def test_therapists_cannot_create_events(client, make):
    _, token = make.user("therapist", api_token=True)
    assert client.post("/api/v1/events", json=GOOD, headers=bearer(token)).status_code == 404


def test_another_companys_event_is_404(client, make, coordinator):
    other = make.event(publish=False)
    response = client.post(f"/api/v1/events/{other.id}/publish", headers=bearer(coordinator[1]))
    assert response.status_code == 404
    assert (
        client.post("/api/v1/events/999999/publish", headers=bearer(coordinator[1])).status_code
        == 404
    )


def test_deactivated_users_token_stops_working(client, coordinator, session):
    user, token = coordinator
    user.active = False
    session.commit()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_openapi_describes_exactly_the_api_routes(app, client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.1")
    described = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "api.openapi":
            path = rule.rule.replace("<int:", "<").replace("<event_id>", "{id}")
            path = path.replace("<booking_id>", "{id}")
            path = path.replace("<programme_id>", "{id}")
            path = path.replace("<", "{").replace(">", "}")
            served |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert described == served
