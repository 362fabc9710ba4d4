"""A sliding-window rate limiter on Redis, shared by every web process and host.

Each key is a sorted set of attempt timestamps (Redis server time, so hosts with
skewed clocks agree). One Lua script trims the window, counts, and records the
attempt only when it is allowed: a refused attempt does not extend a lock.
Used for login attempts and, later, for API rate limits.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from typing import NamedTuple

import redis

from agentflow.queue import SHARED_CONNECT_TIMEOUT_S, SHARED_SOCKET_TIMEOUT_S

KEY_PREFIX = "agentflow:rl:"

_ALLOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
local allowed = 0
if count < limit then
  redis.call('ZADD', KEYS[1], now, now .. ':' .. ARGV[3])
  count = count + 1
  allowed = 1
end
redis.call('PEXPIRE', KEYS[1], window)
local reset = 0
if count >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  reset = tonumber(oldest[2]) + window - now
end
return {allowed, limit - count, reset}
"""


class Decision(NamedTuple):
    allowed: bool
    remaining: int
    # Seconds until another attempt would be allowed; 0 while attempts remain.
    reset_s: int


class RateLimiter:
    def __init__(self, client: redis.Redis) -> None:
        self._client = client
        self._allow = client.register_script(_ALLOW)

    def allow(self, key: str, limit: int, window_s: float) -> Decision:
        """Count one attempt under ``key`` if fewer than ``limit`` are in the window."""
        window_ms = max(1, int(window_s * 1000))
        allowed, remaining, reset_ms = self._allow(
            keys=[KEY_PREFIX + key], args=[limit, window_ms, secrets.token_hex(8)]
        )
        reset_s = -(-int(reset_ms) // 1000) if int(reset_ms) > 0 else 0
        return Decision(bool(allowed), max(0, int(remaining)), reset_s)

    def refund(self, key: str) -> None:
        """Take back the newest attempt (one that turned out not to count, e.g. a success)."""
        self._client.zpopmax(KEY_PREFIX + key)

    def reset(self, key: str) -> None:
        self._client.delete(KEY_PREFIX + key)


@lru_cache(maxsize=8)
def limiter(redis_url: str) -> RateLimiter:
    """One limiter (and one connection pool) per Redis URL per process. Short timeouts:
    while Redis is down a check fails within about a second instead of stalling."""
    return RateLimiter(
        redis.Redis.from_url(
            redis_url,
            socket_connect_timeout=SHARED_CONNECT_TIMEOUT_S,
            socket_timeout=SHARED_SOCKET_TIMEOUT_S,
        )
    )
