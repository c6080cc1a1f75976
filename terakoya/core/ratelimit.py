"""Sliding-window rate limits on Django's cache (locmem/database embedded, Redis in production).

`hit(key, limit, window)` counts one attempt and says whether it is allowed; `peek` only looks;
`reset` forgets a key (staff "unlock"). Keys are hashed, so emails and IPs never sit in the cache
in clear.

A sliding-window counter: hits are counted per clock-aligned window (one atomic `incr` on one
cache key, which every cache backend offers), and the count that is compared with the limit is
this window's hits plus the previous window's, weighted by how much of the previous window still
lies within the last `window` seconds. So a burst at the end of one window is still counted at
the start of the next (no doubled allowance at a boundary), and a block ends gradually rather
than all at once on the hour. A refused hit is not counted, so `retry_after` is the exact number
of seconds until the next hit is allowed, however often the client retries meanwhile.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    """`limit` hits per `window` seconds under the namespace `name`."""

    name: str
    limit: int
    window: int


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    count: int
    retry_after: int


class RateLimited(Exception):  # noqa: N818 - reads better at the raise site
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"rate limited, retry after {retry_after}s")
        self.retry_after = max(1, int(retry_after))


def _keys(limit: Limit, subject: str, now: float) -> tuple[str, str, float]:
    """(this window's key, the previous window's key, seconds into this window)."""
    start = int(now // limit.window) * limit.window
    digest = hashlib.sha256(subject.encode()).hexdigest()[:32]
    base = f"rl:{limit.name}:{digest}:"
    return f"{base}{start}", f"{base}{start - limit.window}", now - start


def _estimate(limit: Limit, current: int, previous: int, elapsed: float) -> float:
    # Rounded, so that float noise never decides a hit that lands exactly on the limit.
    return round(current + previous * max(0.0, 1 - elapsed / limit.window), 9)


def _wait(limit: Limit, current: int, previous: int, elapsed: float) -> int:
    """Seconds until the estimate falls to `limit - 1` (room for one more hit)."""
    room = limit.limit - 1
    if current <= room:
        if previous <= 0 or _estimate(limit, current, previous, elapsed) <= room:
            return 0
        # The previous window's weight shrinks until it fits beside this window's hits.
        seconds = limit.window * (1 - (room - current) / previous) - elapsed
    else:
        # Only once this window is the previous one, and has lost enough weight.
        seconds = (limit.window - elapsed) + limit.window * (1 - room / current)
    return max(1, math.ceil(seconds - 1e-9))


def _read(limit: Limit, subject: str, now: float) -> tuple[int, int, float]:
    key, previous_key, elapsed = _keys(limit, subject, now)
    found = cache.get_many([key, previous_key])
    return int(found.get(key) or 0), int(found.get(previous_key) or 0), elapsed


def hit(limit: Limit, subject: str) -> Verdict:
    """Count one attempt for `subject` (an IP, an email, a phone…)."""
    now = time.time()
    key, previous_key, elapsed = _keys(limit, subject, now)
    # A window's count is needed until the end of the window after it.
    ttl = max(1, math.ceil(2 * limit.window - elapsed))
    if cache.add(key, 1, timeout=ttl):
        current = 1
    else:
        try:
            current = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=ttl)
            current = 1
    previous = int(cache.get(previous_key) or 0)
    estimate = _estimate(limit, current, previous, elapsed)
    if estimate <= limit.limit:
        return Verdict(True, math.ceil(estimate - 1e-9), 1)
    # A refused attempt is not counted: Retry-After stays true however often a client asks,
    # and the limit still allows no more than `limit` attempts per window.
    try:
        current = cache.decr(key)
    except ValueError:  # expired meanwhile
        current = 0
    return Verdict(False, math.ceil(estimate - 1e-9), _wait(limit, current, previous, elapsed))


def peek(limit: Limit, subject: str) -> Verdict:
    """Would one more hit be allowed now? (Counts nothing.)"""
    current, previous, elapsed = _read(limit, subject, time.time())
    estimate = _estimate(limit, current, previous, elapsed)
    allowed = estimate + 1 <= limit.limit
    retry_after = _wait(limit, current, previous, elapsed) if not allowed else 0
    return Verdict(allowed, math.ceil(estimate - 1e-9), max(1, retry_after))


def reset(limit: Limit, subject: str) -> None:
    key, previous_key, _elapsed = _keys(limit, subject, time.time())
    cache.delete_many([key, previous_key])


def enforce(*checks: tuple[Limit, str]) -> None:
    """Count a hit on every (limit, subject); raise RateLimited if any is over."""
    worst = 0
    for limit, subject in checks:
        if not subject:
            continue
        verdict = hit(limit, subject)
        if not verdict.allowed:
            worst = max(worst, verdict.retry_after)
    if worst:
        raise RateLimited(worst)
