"""Input checked once, at the edge, before any view runs.

Ids, text and numbers that would otherwise reach the database and come back as a 500 (an
integer past PostgreSQL's `integer`, a NUL byte, a lone surrogate, JSON nested thousands deep,
a superscript digit) become a clear 404, 400, 415 or 422 naming the field.
"""

from __future__ import annotations

import json
import math
from typing import Any

from flask import Flask, g, request
from werkzeug.exceptions import BadRequest, UnsupportedMediaType
from werkzeug.routing import IntegerConverter, UnicodeConverter

from .errors import ValidationError

MAX_ID = 2**31 - 1  # PostgreSQL `integer`: every id column and every count we store
MAX_JSON_DEPTH = 32
_BODY_METHODS = ("POST", "PUT", "PATCH")
_NUL = "\x00"


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: ASCII digits within PostgreSQL's integer, else 404."""

    regex = r"[0-9]+"
    signed_regex = r"-?[0-9]+"

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits, min, max, signed)

    def to_python(self, value: str) -> Any:
        # Past PostgreSQL's integer, no row can match: 0 (never an id) makes the view answer 404.
        # Refusing the match instead would make werkzeug answer 405 when another method's rule
        # shares the path, and int() of thousands of digits is refused by Python itself.
        if len(value.lstrip("-0")) > len(str(MAX_ID)) or int(value) > MAX_ID:
            return 0
        return super().to_python(value)


class TextConverter(UnicodeConverter):
    """`<token>`, `<share_token>`...: no NUL byte (PostgreSQL refuses it in a query), else 404."""

    def __init__(self, map, minlength=1, maxlength=None, length=None):
        super().__init__(map, minlength, maxlength, length)
        self.regex = self.regex.replace("[^/]", r"[^/\x00]", 1)


def text_problem(value: str) -> str | None:
    """Why a piece of text cannot be stored, or None."""
    if _NUL in value:
        return "Remove the NUL character from this field."
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        return "This field holds a broken character (a lone surrogate)."
    return None


def number_problem(value: str, is_id: bool) -> str | None:
    """Why a number as text cannot be one we store, or None (not a number: not ours to judge)."""
    text = value.strip()
    digits = text.lstrip("+-").replace("_", "")  # int() takes a sign and underscores too
    if not digits.isdigit():
        return None
    if not digits.isdecimal():
        return "Use the digits 0 to 9."  # '²' passes isdigit() but int() refuses it
    if not is_id:
        return None
    try:
        number = int(text) if len(digits.lstrip("0")) <= len(str(MAX_ID)) else None
    except ValueError:
        return None  # not something int() reads, so no view will read it as a number
    if number is None or not 0 <= number <= MAX_ID:
        return f"Give a number from 0 to {MAX_ID}."
    return None


# A page number past the end is "no such page" (404) from the page itself, whatever its size.
PAGE_FIELDS = frozenset({"page"})


def _is_id_field(name: str) -> bool:
    return name.endswith(("_id", "_ids")) or name in ("id", "before", "limit")


def check_fields() -> None:
    """Query strings and forms: no NUL, no unreadable digits, no id past the database's range."""
    errors: dict[str, str] = {}
    sources = []  # only those the request has: reading an absent form still costs a parse
    if request.query_string:
        sources.append((request.args, True))
    if _has_body() and request.mimetype in _FORM_TYPES:  # the only bodies Werkzeug reads as a form
        sources.append((request.form, False))
    for source, is_query in sources:
        for name, value in source.items(multi=True):
            if text_problem(name):
                errors.setdefault("field", text_problem(name))
                continue
            is_id = _is_id_field(name) or (is_query and name not in PAGE_FIELDS)
            why = text_problem(value) or number_problem(value, is_id)
            if why:
                errors.setdefault(name, why)
    if errors:
        raise ValidationError(errors)


_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def _has_body() -> bool:
    return bool(request.content_length) or "chunked" in request.headers.get("Transfer-Encoding", "")


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def parse_json_body() -> Any:
    """The request's JSON, parsed once: 415 unless application/json, 400 if unreadable."""
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("Send the body as JSON, with Content-Type: application/json.")
    try:
        text = request.get_data(cache=True).decode("utf-8")
        body = json.loads(text, parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise BadRequest("The body must be a JSON document in UTF-8.") from exc
    check_json(body)
    return body


def check_json(body: Any) -> None:
    """Walk a parsed body without recursion: depth, text and numbers, naming the bad field."""
    errors: dict[str, str] = {}
    stack: list[tuple[str, Any, int]] = [("", body, 1)]
    while stack:
        path, value, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise BadRequest(f"The JSON is nested more than {MAX_JSON_DEPTH} levels deep.")
        name = path or "body"
        if isinstance(value, dict):
            for key, item in value.items():
                why = text_problem(key)
                if why:
                    errors.setdefault(name, why)
                    continue
                stack.append((f"{path}.{key}" if path else key, item, depth + 1))
        elif isinstance(value, list):
            stack.extend((f"{name}[{i}]", item, depth + 1) for i, item in enumerate(value))
        elif isinstance(value, str):
            why = text_problem(value)
            if why:
                errors.setdefault(name, why)
        elif isinstance(value, bool) or value is None:
            continue
        elif isinstance(value, int) and not -MAX_ID - 1 <= value <= MAX_ID:
            errors.setdefault(name, f"Give a number from {-MAX_ID - 1} to {MAX_ID}.")
        elif isinstance(value, float) and not math.isfinite(value):
            errors.setdefault(name, "Give a finite number.")
    if errors:
        raise ValidationError(errors)


def check_request() -> None:
    """Run before every view: fields everywhere, and the JSON body of API calls."""
    check_fields()
    if request.path.startswith("/api/") and request.method in _BODY_METHODS and _has_body():
        g.json_body = parse_json_body()


def init_app(app: Flask) -> None:
    """Put the converters in place before any blueprint adds a route, and check every request."""
    app.url_map.converters.update(
        default=TextConverter, string=TextConverter, int=IdConverter, id=IdConverter
    )
    app.before_request(check_request)
