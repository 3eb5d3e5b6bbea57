"""Tokens kept out of every log line a process writes: the app's, werkzeug's and gunicorn's.

Which paths hold a token is read from the app's own routes: the static part of a path before
each text argument (`/b/<token>`, `/api/v1/waitlist/<token>`, `/e/<share_token>`, ...). So a
route added tomorrow is redacted without anyone remembering to list it here.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping

from gunicorn.glogging import Logger as GunicornLogger
from werkzeug.routing import Map, UnicodeConverter

MARK = "…"
# Until an app has been built in this process (gunicorn's master), these known prefixes are used.
DEFAULT_PREFIXES = (
    "/b/",
    "/w/",
    "/e/",
    "/invite/",
    "/api/v1/bookings/",
    "/api/v1/waitlist/",
    "/api/v1/public/events/",
)
_ARGUMENT = re.compile(r"<(?:(?P<converter>[a-zA-Z_][a-zA-Z0-9_]*)(?:\(.*?\))?:)?(?P<name>\w+)>")
LOGGERS = ("chairops", "werkzeug", "gunicorn.access", "gunicorn.error", "flask.app")


def token_prefixes(url_map: Map) -> set[str]:
    """The static path before every text argument of every route: where tokens sit."""
    prefixes = set()
    for rule in url_map.iter_rules():
        for found in _ARGUMENT.finditer(rule.rule):
            if isinstance(rule._converters.get(found["name"]), UnicodeConverter):
                before = rule.rule[: found.start()]
                prefixes.add(before[before.rfind(">") + 1 :])  # after any earlier argument
    return prefixes


def compile_pattern(prefixes: Iterable[str]) -> re.Pattern:
    """One pattern for all prefixes; a purely numeric segment (an id) is left alone."""
    alternatives = "|".join(re.escape(p) for p in sorted(set(prefixes), key=len, reverse=True))
    return re.compile(rf"(?P<prefix>{alternatives})(?![0-9]+(?:[/?#\s\"']|$))[^/?#\s\"'&]+")


_pattern = compile_pattern(DEFAULT_PREFIXES)


def install(url_map: Map) -> None:
    """Redact the paths of this app's routes from now on, in this process."""
    global _pattern
    _pattern = compile_pattern(set(DEFAULT_PREFIXES) | token_prefixes(url_map))


def redact(text: str) -> str:
    """The text with every token in a path replaced by an ellipsis."""
    return _pattern.sub(rf"\g<prefix>{MARK}", text)


class RedactTokens(logging.Filter):
    """Redacts a record's message and its arguments, whether a tuple or a mapping (gunicorn)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        args = record.args
        if isinstance(args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in args)
        elif isinstance(args, Mapping) and hasattr(args, "__setitem__"):
            # gunicorn's access atoms: change them in place, keeping its safe lookup of keys.
            for key, value in list(args.items()):
                if isinstance(value, str):
                    args[key] = redact(value)
        return True


def add_filter(logger: logging.Logger) -> None:
    """Attach the redaction filter once."""
    if not any(isinstance(f, RedactTokens) for f in logger.filters):
        logger.addFilter(RedactTokens())


class RedactingGunicornLogger(GunicornLogger):
    """gunicorn's logger with tokens redacted from the access and error logs (gunicorn.conf.py)."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        add_filter(self.error_log)
        add_filter(self.access_log)

    def atoms(self, resp, req, environ, request_time):
        """The access log's fields (request line, path, query, referer...) without tokens."""
        atoms = super().atoms(resp, req, environ, request_time)
        return {k: redact(v) if isinstance(v, str) else v for k, v in atoms.items()}


def rate_limit_warning(environ: Mapping[str, str], workers: int) -> str | None:
    """What to shout at start-up when per-process rate-limit counters would not be shared."""
    storage = environ.get("RATELIMIT_STORAGE_URI", "memory://")
    if environ.get("CHAIROPS_ENV") != "production" or not storage.startswith("memory://"):
        return None
    if workers <= 1:
        return None
    return (
        f"RATELIMIT_STORAGE_URI is memory:// with {workers} workers: each worker counts on its "
        "own, so every rate limit is multiplied by the number of workers (and by hosts). "
        "Set RATELIMIT_STORAGE_URI=redis://... in production."
    )
