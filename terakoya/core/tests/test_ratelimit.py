from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from terakoya.core.ratelimit import Limit, RateLimited, enforce, hit, peek, reset

LIMIT = Limit("test", 3, 60)
START = dt.datetime(2026, 1, 1, 12, 0, 0, tzinfo=dt.UTC)


def test_hits_are_allowed_up_to_the_limit_then_refused_until_retry_after() -> None:
    with time_machine.travel(START, tick=False) as clock:
        # Given three allowed hits
        assert [hit(LIMIT, "1.2.3.4").allowed for _ in range(3)] == [True, True, True]
        # When a fourth comes 10 seconds later
        clock.shift(10)
        verdict = hit(LIMIT, "1.2.3.4")
        # Then it is refused, with the seconds until the sliding window has room again:
        # the three hits count fully until 12:01:00, then fade out over the next minute
        assert not verdict.allowed
        assert verdict.retry_after == 70
        # And another subject is not affected
        assert hit(LIMIT, "5.6.7.8").allowed
        # And the clock-hour (here: minute) boundary alone does not start afresh
        clock.shift(51)
        refused = hit(LIMIT, "1.2.3.4")
        assert not refused.allowed
        # And asking again does not push the end further away: it is the same moment
        assert refused.retry_after == 70 - 51
        # And Retry-After was exact: one second before it, still refused; at it, allowed
        clock.shift(18)
        assert not hit(LIMIT, "1.2.3.4").allowed
        clock.shift(1)
        assert peek(LIMIT, "1.2.3.4").allowed
        assert hit(LIMIT, "1.2.3.4").allowed


def test_a_burst_across_a_window_boundary_gets_no_double_allowance() -> None:
    with time_machine.travel(START + dt.timedelta(seconds=58), tick=False) as clock:
        # Given three hits in the last seconds of one window
        assert all(hit(LIMIT, "burst").allowed for _ in range(3))
        # When three more come right after the boundary
        clock.shift(4)
        verdicts = [hit(LIMIT, "burst") for _ in range(3)]
        # Then none is allowed: a fixed window would have let all three through
        assert [v.allowed for v in verdicts] == [False, False, False]
        assert all(v.retry_after > 0 for v in verdicts)


def test_old_hits_fade_out_gradually() -> None:
    with time_machine.travel(START, tick=False) as clock:
        # Given the limit used up at the start of a window
        for _ in range(3):
            hit(LIMIT, "fade")
        # When half of the next window has passed, Then the old hits count half: one more fits
        clock.shift(60 + 30)
        assert hit(LIMIT, "fade").allowed
        assert not hit(LIMIT, "fade").allowed


def test_enforce_raises_with_retry_after_and_reset_forgets() -> None:
    with time_machine.travel(START, tick=False):
        # Given a subject at its limit
        for _ in range(3):
            enforce((LIMIT, "a@example.com"))
        # When one more attempt is made, Then RateLimited says how long to wait
        with pytest.raises(RateLimited) as caught:
            enforce((LIMIT, "a@example.com"))
        assert caught.value.retry_after == 80
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
