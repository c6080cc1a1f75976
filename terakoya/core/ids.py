"""Public ids: random, URL-safe, not guessable, never the primary key."""

from __future__ import annotations

import secrets

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford-ish base32, lowercase, no i/l/o/u


def new_public_id(length: int = 16) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))
