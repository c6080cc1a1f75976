"""Public ids: random, URL-safe, not guessable, never the primary key."""

from __future__ import annotations

import os
import secrets
import threading
import time

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford-ish base32, lowercase, no i/l/o/u


def new_public_id(length: int = 16) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


_last_tick = 0
_tick_lock = threading.Lock()


def ordered_public_ids(n: int) -> list[str]:
    """n public ids for rows written in bulk (imports), in ascending order.

    Each is 24 hex digits (hex is part of ALPHABET): 14 of a microsecond counter that no other
    call in this process reuses, so that a batch lands at one edge of the unique public_id
    index instead of on a million random index pages, then 10 random ones (40 bits from the
    OS's secure generator), so that the ids stay unguessable."""
    global _last_tick
    with _tick_lock:
        start = max(time.time_ns() // 1000, _last_tick + 1)
        _last_tick = start + n - 1
    noise = os.urandom(5 * n).hex()
    return [f"{start + i:014x}{noise[10 * i : 10 * i + 10]}" for i in range(n)]
