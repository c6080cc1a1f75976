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


def reserve_ticks(n: int) -> int:
    """The first of n consecutive microsecond ticks (since the Unix epoch) that no other call in
    this process gets. Rows written in bulk take their public id and created_at from them."""
    global _last_tick
    with _tick_lock:
        start = max(time.time_ns() // 1000, _last_tick + 1)
        _last_tick = start + n - 1
    return start


def ordered_public_ids(start_tick: int, n: int) -> list[str]:
    """Public ids for rows written in bulk (imports), ascending, from reserve_ticks(n).

    Each is 24 hex digits (hex is part of ALPHABET): 14 of the tick, so that a batch lands at
    one edge of the unique public_id index instead of on a million random index pages, then
    10 random ones (40 bits from the OS's secure generator), so the ids stay unguessable."""
    noise = os.urandom(5 * n).hex()
    return [f"{start_tick + i:014x}{noise[10 * i : 10 * i + 10]}" for i in range(n)]
