from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from terakoya.core.ratelimit import Limit, RateLimited, enforce, hit, peek, reset

LIMIT = Limit("test", 3, 60)
START = dt.datetime(2026, 1, 1, 12, 0, 0, tzinfo=dt.UTC)


def test_hits_are_allowed_up_to_the_limit_then_refused_until_the_window_ends() -> None:
    with time_machine.travel(START, tick=False) as clock:
        # Given three allowed hits
        assert [hit(LIMIT, "1.2.3.4").allowed for _ in range(3)] == [True, True, True]
        # When a fourth comes 10 seconds later
        clock.shift(10)
        verdict = hit(LIMIT, "1.2.3.4")
        # Then it is refused, with the seconds left in the window
        assert not verdict.allowed
        assert verdict.retry_after == 50
        # And another subject is not affected
        assert hit(LIMIT, "5.6.7.8").allowed
        # And the next window starts afresh
        clock.shift(51)
        assert hit(LIMIT, "1.2.3.4").allowed


def test_enforce_raises_with_retry_after_and_reset_forgets() -> None:
    with time_machine.travel(START, tick=False):
        # Given a subject at its limit
        for _ in range(3):
            enforce((LIMIT, "a@example.com"))
        # When one more attempt is made, Then RateLimited says how long to wait
        with pytest.raises(RateLimited) as caught:
            enforce((LIMIT, "a@example.com"))
        assert caught.value.retry_after == 60
        assert not peek(LIMIT, "a@example.com").allowed
        # When staff reset it, Then attempts are allowed again
        reset(LIMIT, "a@example.com")
        assert peek(LIMIT, "a@example.com").allowed
        enforce((LIMIT, "a@example.com"))


def test_empty_subjects_are_not_counted() -> None:
    with time_machine.travel(START, tick=False):
        # Given a check whose subject is empty (no IP known) beside a real one
        # When it is enforced as often as the limit allows
        for _ in range(LIMIT.limit):
            enforce((LIMIT, ""), (LIMIT, "1.2.3.4"))
        # Then the empty subject has no counter at all (it never blocks anyone) ...
        assert peek(LIMIT, "").count == 0
        # ... while the real subject was counted and now refuses one more
        assert peek(LIMIT, "1.2.3.4").count == LIMIT.limit
        with pytest.raises(RateLimited):
            enforce((LIMIT, ""), (LIMIT, "1.2.3.4"))
        # And an empty subject alone is never refused
        for _ in range(LIMIT.limit * 3):
            enforce((LIMIT, ""))
        assert peek(LIMIT, "").count == 0
