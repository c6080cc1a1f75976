"""Fixed-window rate limits on Django's cache (locmem/database embedded, Redis in production).

`hit(key, limit, window)` counts one attempt and says whether it is allowed; `peek` only looks;
`reset` forgets a key (staff "unlock"). Keys are hashed, so emails and IPs never sit in the cache
in clear. A window is aligned to the clock, so `Retry-After` is the time to the window's end.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest


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


def _cache_key(limit: Limit, subject: str, now: float) -> tuple[str, int]:
    window_start = int(now // limit.window) * limit.window
    digest = hashlib.sha256(subject.encode()).hexdigest()[:32]
    return f"rl:{limit.name}:{digest}:{window_start}", window_start + limit.window


def hit(limit: Limit, subject: str) -> Verdict:
    """Count one attempt for `subject` (an IP, an email, a phone…)."""
    now = time.time()
    key, window_end = _cache_key(limit, subject, now)
    ttl = max(1, math.ceil(window_end - now))
    if cache.add(key, 1, timeout=ttl):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=ttl)
            count = 1
    return Verdict(count <= limit.limit, count, ttl)


def peek(limit: Limit, subject: str) -> Verdict:
    now = time.time()
    key, window_end = _cache_key(limit, subject, now)
    count = int(cache.get(key) or 0)
    return Verdict(count < limit.limit, count, max(1, math.ceil(window_end - now)))


def reset(limit: Limit, subject: str) -> None:
    key, _end = _cache_key(limit, subject, time.time())
    cache.delete(key)


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


def client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "")
