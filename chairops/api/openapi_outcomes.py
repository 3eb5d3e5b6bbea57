"""The OpenAPI paths and schemas of the outcomes endpoints, merged into the spec by openapi.py."""

from __future__ import annotations

_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
_STAFF = [{"bearer": []}]
_NULLABLE_INT = {"type": ["integer", "null"]}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _problems(*codes: int) -> dict:
    problem = {"content": {"application/problem+json": {"schema": _ref("Problem")}}}
    return {str(code): {"description": "Problem", **problem} for code in codes}


def _report_answer() -> dict:
    return {
        "description": "The report; `Accept: text/csv` gives the same aggregates as CSV",
        "content": {
            "application/json": {"schema": _ref("OutcomesReport")},
            "text/csv": {"schema": {"type": "string"}},
        },
    }


_SUMMARY = {
    "type": ["object", "null"],
    "required": ["n", "mean", "median"],
    "properties": {
        "n": {"type": "integer", "minimum": 0},
        "mean": {"type": "number", "minimum": 0, "maximum": 10},
        "median": {"type": "number", "minimum": 0, "maximum": 10},
    },
}

SCHEMAS = {
    "PainAfter": {
        "type": "object",
        "required": ["score"],
        "properties": {"score": {"type": "integer", "minimum": 0, "maximum": 10}},
    },
    "OutcomesGroup": {
        "type": "object",
        "required": [
            "routine",
            "withheld",
            "people",
            "before",
            "after",
            "two_days",
            "improved_2_or_more",
        ],
        "properties": {
            "routine": {
                "enum": ["glute_exception", "standard", "modified", "refer", "all"],
            },
            "withheld": {
                "type": "boolean",
                "description": "Fewer than min_group people (or `all` would let a reader "
                "subtract a smaller group): every other field is null.",
            },
            "people": _NULLABLE_INT,
            "before": _SUMMARY,
            "after": _SUMMARY,
            "two_days": _SUMMARY,
            "improved_2_or_more": {
                "type": ["number", "null"],
                "minimum": 0,
                "maximum": 1,
                "description": "Share of those with an after score whose pain right after was "
                "2 or more points below before.",
            },
        },
    },
    "OutcomesReport": {
        "type": "object",
        "required": ["groups", "min_group"],
        "properties": {
            "groups": {"type": "array", "items": _ref("OutcomesGroup")},
            "min_group": {"type": "integer"},
            "pending": {
                "type": "array",
                "items": {"enum": ["before", "after", "two_days"]},
                "description": "Scores not counted yet: nothing until the event's local day is "
                "over, two-day scores until their replies have closed.",
            },
            "events": {"type": "integer", "description": "Events counted"},
        },
    },
}

_DATE = {"type": "string", "format": "date"}

PATHS = {
    "/api/v1/bookings/{id}/pain-after": {
        "put": {
            "summary": "Lower-back pain right after the massage (that chair's therapist, admin)",
            "description": "Only for a person who gave a lower-back score before (else 409 "
            "no-before-score), at the end of the massage on the event's day (else 409 not-now). "
            "Stored with the screen's outcome, not with the raw answers.",
            "security": _STAFF,
            "parameters": [_ID],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("PainAfter")}},
            },
            "responses": {
                "200": {
                    "description": "The score as stored",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "booking": {
                                        "type": "object",
                                        "properties": {
                                            "id": {"type": "integer"},
                                            "pain_after": _NULLABLE_INT,
                                        },
                                    }
                                },
                            }
                        }
                    },
                },
                **_problems(400, 401, 404, 409, 422),
            },
        }
    },
    "/api/v1/events/{id}/outcomes": {
        "get": {
            "summary": "Pain before, after and two days later for one event (its coordinator, "
            "admin)",
            "description": "Groups of fewer than min_group people are withheld. Each view that "
            "shows a number is written to the audit log.",
            "security": _STAFF,
            "parameters": [_ID],
            "responses": {"200": _report_answer(), **_problems(401, 404)},
        }
    },
    "/api/v1/companies/{company_id}/outcomes": {
        "get": {
            "summary": "The same for every event of a company held between two dates (its "
            "coordinator, admin)",
            "description": "Adds up only what each event's own report shows, so no date range "
            "reveals a group smaller than min_group.",
            "security": _STAFF,
            "parameters": [
                {
                    "name": "company_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer"},
                },
                {"name": "from", "in": "query", "required": True, "schema": _DATE},
                {"name": "to", "in": "query", "required": True, "schema": _DATE},
            ],
            "responses": {"200": _report_answer(), **_problems(401, 404, 422)},
        }
    },
}


def merge(paths: dict, schemas: dict) -> None:
    """Add the outcomes endpoints to the spec's paths and schemas."""
    paths.update(PATHS)
    schemas.update(SCHEMAS)
