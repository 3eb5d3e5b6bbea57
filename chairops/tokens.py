"""Secret tokens in links and API keys: only their hashes are stored, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import re

# Attendee links (/b/ bookings, /w/ waitlist places, /l/ places in a walk-up line) and staff
# invites carry secret tokens.
_TOKEN_LINK = re.compile(r"/(b|w|l|invite)/[A-Za-z0-9_-]{20,}")


def hash_token(token: str) -> str:
    """The stored form of a secret token: attendee links, staff API tokens, invites."""
    return hashlib.sha256(token.encode()).hexdigest()


def link_digest(token: object) -> str | None:
    """The hash to look a link's token up by, or None when the text cannot be one of ours."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return None
    return hash_token(token)


def same_hash(stored: str | None, digest: str) -> bool:
    """Constant-time comparison of a stored hash with a computed one."""
    return hmac.compare_digest(stored or "", digest)


def redact_links(body: str) -> str:
    """The text without link tokens, for logs and for keeping after a text has gone."""
    return _TOKEN_LINK.sub(r"/\1/…", body)
