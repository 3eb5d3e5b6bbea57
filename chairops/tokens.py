"""Secret tokens in links and API keys: only their hashes are stored, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac


def hash_token(token: str) -> str:
    """The stored form of a secret token: attendee links, staff API tokens, invites."""
    return hashlib.sha256(token.encode()).hexdigest()


def same_hash(stored: str | None, digest: str) -> bool:
    """Constant-time comparison of a stored hash with a computed one."""
    return hmac.compare_digest(stored or "", digest)
