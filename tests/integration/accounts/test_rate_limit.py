"""The Redis sliding-window limiter."""

from __future__ import annotations

import time

import redis

from agentflow.services.tenancy.rate_limit import KEY_PREFIX, RateLimiter, limiter


def test_allows_up_to_the_limit_then_refuses_with_a_reset_time(clean_redis: str) -> None:
    rate = limiter(clean_redis)
    decisions = [rate.allow("t:a", 3, 60) for _ in range(4)]
    assert [(d.allowed, d.remaining) for d in decisions] == [
        (True, 2),
        (True, 1),
        (True, 0),
        (False, 0),
    ]
    assert decisions[0].reset_s == 0
    assert 0 < decisions[3].reset_s <= 60
    assert rate.allow("t:other", 3, 60).allowed  # keys are independent


def test_the_window_slides(clean_redis: str) -> None:
    rate = limiter(clean_redis)
    assert rate.allow("t:slide", 2, 0.5).allowed
    time.sleep(0.3)
    assert rate.allow("t:slide", 2, 0.5).allowed
    assert not rate.allow("t:slide", 2, 0.5).allowed
    time.sleep(0.3)  # the first attempt left the window, the second has not
    assert rate.allow("t:slide", 2, 0.5).allowed
    assert not rate.allow("t:slide", 2, 0.5).allowed


def test_refused_attempts_do_not_extend_the_lock_and_refund_and_reset_work(
    clean_redis: str,
) -> None:
    client = redis.Redis.from_url(clean_redis)
    rate = RateLimiter(client)
    rate.allow("t:r", 1, 60)
    for _ in range(5):
        assert not rate.allow("t:r", 1, 60).allowed
    assert client.zcard(KEY_PREFIX + "t:r") == 1
    assert 0 < client.pttl(KEY_PREFIX + "t:r") <= 60_000
    rate.refund("t:r")
    assert rate.allow("t:r", 1, 60).allowed
    rate.reset("t:r")
    assert client.exists(KEY_PREFIX + "t:r") == 0
    client.close()
