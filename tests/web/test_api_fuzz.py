"""Schemathesis over every operation of /api/v1/openapi.json: no 500, answers as documented.

Runs on PostgreSQL (where an id past 2^31 overflowed), as a coordinator and as an admin, with
generated and with real path values (so bodies reach the services), valid and invalid data.
The number of requests sent is shown in pytest's summary ("schemathesis: ...", tests/conftest.py).
"""

from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

# Examples per operation, token, path choice and mode: about 1,000 requests, under a minute.
EXAMPLES = 10
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
SENT = Counter()


@pytest.fixture
def backend():
    """PostgreSQL only: the overflow 500s of issue 12 happened there, not on SQLite."""
    return "postgresql"


@pytest.fixture
def world(app, make, session):
    """A company with a published, booked event; a coordinator's and an admin's tokens."""
    company = make.company()
    _, coordinator = make.user("coordinator", company=company, api_token=True)
    admin, admin_token = make.user("admin", api_token=True)
    event = make.event(company=company)
    event.chairs[0].therapist_id = admin.id
    booking, token = make.booking(event, 1)
    session.commit()
    paths = {"share_token": event.share_token, "token": token, "id": event.id, "number": 1}
    return {"coordinator": coordinator, "admin": admin_token}, paths, booking.id


def _operations(app):
    def wsgi(environ, start_response):
        # Each request in its own app context, as in production (see FreshContextClient).
        with app.app_context():
            return list(app(environ, start_response))

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi)
    return [result.ok() for result in schema.get_all_operations()]


def _negatable(operation) -> bool:
    """Whether invalid data exists for it: a free-form string in a path cannot be made invalid."""
    if len(operation.body) or len(operation.query):
        return True
    return any(p.definition["schema"] != {"type": "string"} for p in operation.path_parameters)


def _fuzz(operation, token: str, mode: GenerationMode, paths: dict | None) -> None:
    if mode is GenerationMode.NEGATIVE and not _negatable(operation):
        return
    names = {p.name for p in operation.path_parameters}
    fixed = {k: v for k, v in (paths or {}).items() if k in names} or None
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=fixed)

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        SENT["requests"] += 1
        # Uncompressed, as the schema describes the bodies (Flask-Compress answers gzip or br).
        headers = {"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"}
        case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        run()
    except Unsatisfiable:
        # Nothing to make invalid: the only inputs are free-form strings (a token in the path).
        if mode is not GenerationMode.NEGATIVE:
            raise
    except Exception as exc:
        exc.add_note(f"while fuzzing {operation.label} ({mode.value}, paths {fixed})")
        raise


def test_every_operation_answers_as_documented_and_never_500(backend, app, world, request):
    tokens, paths, _ = world
    operations = _operations(app)
    routes = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "api.openapi"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert len(operations) == len(routes)  # every route of the API is fuzzed
    for operation in operations:
        for role, token in tokens.items():
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                for path_values in (None, paths):
                    SENT[f"{role}:{mode.value}"] += 1
                    _fuzz(operation, token, mode, path_values)
    # Reported in pytest's summary (tests/conftest.py), from whichever worker ran this test.
    request.node.user_properties.append(
        ("schemathesis", {"requests": SENT["requests"], "operations": len(operations)})
    )
    assert SENT["requests"] > 0
