"""Token-bucket arithmetic: the shared Redis script and the in-process fallback."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

# KEYS: one bucket per key; ARGV: rate and burst per key, in the same order.
# Returns {allowed, limit, remaining, reset_seconds, retry_after_seconds} for the
# most restrictive bucket. Time comes from Redis so replicas share one clock.
TOKEN_BUCKET_LUA = b"""
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local n = #KEYS
local tokens = {}
local allowed = 1
local retry = 0
for i = 1, n do
  local rate = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  local v = redis.call('HMGET', KEYS[i], 'tk', 'ts')
  local tk = tonumber(v[1])
  local ts = tonumber(v[2])
  if tk == nil or ts == nil then tk = burst; ts = now end
  tk = math.min(burst, tk + math.max(0, now - ts) * rate)
  if tk < 1 then
    allowed = 0
    retry = math.max(retry, math.ceil((1 - tk) / rate))
  end
  tokens[i] = tk
end
local worst, limit, reset = math.huge, 0, 0
for i = 1, n do
  local rate = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  if allowed == 1 then tokens[i] = tokens[i] - 1 end
  redis.call('HSET', KEYS[i], 'tk', tostring(tokens[i]), 'ts', tostring(now))
  redis.call('PEXPIRE', KEYS[i], math.ceil((burst - tokens[i]) / rate * 1000) + 1000)
  if tokens[i] < worst then
    worst = tokens[i]
    limit = burst
    reset = math.ceil((burst - tokens[i]) / rate)
  end
end
return {allowed, limit, math.floor(worst), reset, retry}
"""


@dataclass(slots=True)
class Decision:
    """The answer for one request, ready to become response headers."""

    allowed: bool
    limit: int
    remaining: int
    reset: int
    retry_after: int

    def header_lines(self) -> bytes:
        return b"ratelimit-limit: %d\r\nratelimit-remaining: %d\r\nratelimit-reset: %d\r\n" % (
            self.limit,
            max(self.remaining, 0),
            self.reset,
        )

    @classmethod
    def from_reply(cls, reply: list[int]) -> Decision:
        allowed, limit, remaining, reset, retry = reply
        return cls(bool(allowed), int(limit), int(remaining), int(reset), int(retry))


class LocalBuckets:
    """The same buckets in process memory, used while Redis is unreachable."""

    def __init__(self, max_keys: int = 100_000) -> None:
        self._state: dict[bytes, list[float]] = {}
        self._max_keys = max_keys

    def take(self, keys: list[tuple[bytes, float, int]], now: float | None = None) -> Decision:
        now = time.monotonic() if now is None else now
        state = self._state
        if len(state) >= self._max_keys:
            state.clear()  # a crude bound; a full reset only errs on the side of allowing
        levels = []
        allowed, retry = True, 0
        for key, rate, burst in keys:
            tk, ts = state.get(key, (float(burst), now))
            tk = min(float(burst), tk + max(0.0, now - ts) * rate)
            if tk < 1:
                allowed = False
                retry = max(retry, math.ceil((1 - tk) / rate))
            levels.append(tk)
        worst, limit, reset = math.inf, 0, 0
        for (key, rate, burst), tk in zip(keys, levels, strict=True):
            if allowed:
                tk -= 1
            state[key] = [tk, now]
            if tk < worst:
                worst, limit, reset = tk, burst, math.ceil((burst - tk) / rate)
        return Decision(allowed, limit, math.floor(worst), reset, retry)
