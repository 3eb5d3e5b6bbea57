"""The OpenAPI paths of the walk-up line (api/line.py), merged into the spec by openapi.py."""

from __future__ import annotations

_PROBLEM = {
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
}
_STAFF = [{"bearer": []}]
_SHARE = {"name": "share_token", "in": "path", "required": True, "schema": {"type": "string"}}
_TOKEN = {"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}
_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
_NUMBER = {"name": "number", "in": "path", "required": True, "schema": {"type": "integer"}}
_ENTRY_ID = {
    "name": "line_entry_id", "in": "path", "required": True, "schema": {"type": "integer"},
}  # fmt: skip
STATUSES = ["waiting", "called", "in_chair", "served", "left", "missed", "closed"]

JOIN = {
    "type": "object",
    "required": ["name", "phone"],
    "properties": {
        "name": {"type": "string", "maxLength": 80},
        "phone": {"type": "string", "description": "a mobile number"},
        "sms_consent": {
            "type": "boolean",
            "default": False,
            "description": "texts when nearly up (3rd in line) and when the chair is ready",
        },
    },
}
PLACE = {
    "type": "object",
    "required": ["position", "estimated_wait_minutes", "status"],
    "properties": {
        "token": {"type": "string", "description": "returned once, when joining"},
        "url": {"type": "string", "description": "the person's place page"},
        "position": {"type": ["integer", "null"], "description": "1 = next; null once called"},
        "estimated_wait_minutes": {"type": ["integer", "null"]},
        "status": {"enum": STATUSES},
        "chair": {"type": ["integer", "null"]},
        "joined_at": {"type": "string", "format": "date-time"},
    },
}
STAFF_ENTRY = {
    "type": "object",
    "required": ["id", "name", "status", "chair", "joined_at"],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "status": {"enum": STATUSES},
        "chair": {"type": ["integer", "null"]},
        "position": {"type": ["integer", "null"]},
        "joined_at": {"type": "string", "format": "date-time"},
        "booking_id": {"type": ["integer", "null"]},
    },
}


def _entry(schema: dict, description: str = "OK") -> dict:
    wrapped = {"type": "object", "required": ["entry"], "properties": {"entry": schema}}
    return {"description": description, "content": {"application/json": {"schema": wrapped}}}


def _problems(*codes: int) -> dict:
    return {str(code): {"description": "Problem", **_PROBLEM} for code in codes}


PATHS = {
    "/api/v1/public/events/{share_token}/line": {
        "post": {
            "summary": "Join a walk-up event's line",
            "description": "409 already-in-line when this phone holds a place; 410 line-closed "
            "before joining opens, once the people in line fill the chairs until closing, or "
            "after; 409 not-a-line for an event whose people book times.",
            "parameters": [_SHARE],
            "requestBody": {"required": True, "content": {"application/json": {"schema": JOIN}}},
            "responses": {"201": _entry(PLACE, "Created"), **_problems(400, 404, 409, 410, 422)},
        }
    },
    "/api/v1/line/{token}": {
        "get": {
            "summary": "One's place in line",
            "parameters": [_TOKEN],
            "responses": {"200": _entry(PLACE), **_problems(404)},
        },
        "delete": {
            "summary": "Leave the line (a called person's chair is freed); repeating is harmless",
            "parameters": [_TOKEN],
            "responses": {"200": _entry(PLACE), **_problems(404)},
        },
    },
    "/api/v1/events/{id}/chairs/{number}/call-next": {
        "post": {
            "summary": "Call the first person in line to this chair (its therapist, admin)",
            "description": "Never refused for the chair's own state. 409 line-empty when nobody "
            "waits; 409 not-a-line for an event whose people book times. The person gets a "
            "walk-in booking on this chair, which the queue endpoint then lists.",
            "security": _STAFF,
            "parameters": [_ID, _NUMBER],
            "responses": {"200": _entry(STAFF_ENTRY), **_problems(401, 404, 409)},
        }
    },
    "/api/v1/line-entries/{line_entry_id}/not-here": {
        "post": {
            "summary": "A called person did not come (that chair's therapist, admin)",
            "description": "Back in line behind the next two people the first time, off the "
            "line the second; texted. 409 not-called, or grace-not-over before the grace time.",
            "security": _STAFF,
            "parameters": [_ENTRY_ID],
            "responses": {"200": _entry(STAFF_ENTRY), **_problems(401, 404, 409)},
        }
    },
}
