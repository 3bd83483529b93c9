"""Batched rate limiting: take several tokens from a Redis bucket per round trip, spend them here.

A replica asks Redis for several tokens of a bucket at once (TAKE_BATCH_LUA) and admits the
next requests of that bucket from the tokens it holds, with no round trip. Tokens are taken
from the shared bucket *before* they are spent, so the replicas together never admit more than
the bucket allows: there is no overshoot. The cost is the other way: a replica may hold tokens
it has not spent yet; other replicas cannot use them, and they are dropped unused when the
lease ends (LEASE_SECONDS after the last grant). Per bucket and replica, a client may thus be
refused up to `n` requests early per lease period, where `n` is ERP_RATE_LIMIT_BATCH capped at
an eighth of the bucket's burst, so small buckets stay exact (n = 1).

How many tokens a lease holds follows the bucket's request rate. It starts at one (a caller
that comes now and then costs one round trip per request, and holds nothing back). When a
lease runs dry within GROW_SECONDS of its last grant, requests are outrunning it: it doubles,
up to `n`. When it ends with tokens unspent, it halves. A lease of two tokens or more is topped
up in the background when it runs down to half, so a steady stream of requests does not wait
for Redis (a bucket's first requests do while the lease grows, and so does one that a burst
left without a token before the top-up came back). One fetch per bucket is in flight at a
time; requests that find no token meanwhile wait for it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from erp.gateway.proxy.buckets import Decision

LEASE_SECONDS = 1.0
GROW_SECONDS = 0.1  # a lease spent this soon after its grant was too small

# KEYS[1]: the bucket; ARGV: rate, burst, wanted tokens. Returns
# {granted, limit, remaining, reset_seconds, retry_after_seconds}.
TAKE_BATCH_LUA = b"""
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local v = redis.call('HMGET', KEYS[1], 'tk', 'ts')
local tk = tonumber(v[1])
local ts = tonumber(v[2])
if tk == nil or ts == nil then tk = burst; ts = now end
tk = math.min(burst, tk + math.max(0, now - ts) * rate)
local grant = math.max(0, math.min(want, math.floor(tk)))
tk = tk - grant
redis.call('HSET', KEYS[1], 'tk', tostring(tk), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tk) / rate * 1000) + 1000)
local retry = 0
if grant == 0 then retry = math.ceil((1 - tk) / rate) end
return {grant, burst, math.floor(tk), math.ceil((burst - tk) / rate), retry}
"""

Fetch = Callable[[bytes, float, int, int, Callable[[list[int] | None], None]], None]
Bucket = tuple[bytes, float, int]  # key, rate, burst


class _Request:
    __slots__ = ("buckets", "done", "finished", "missing", "reserved")

    def __init__(self, buckets: list[Bucket], done: Callable[[Decision], None]) -> None:
        self.buckets = buckets
        self.done = done
        self.missing = 0
        self.reserved: list[Lease] = []
        self.finished = False


class Lease:
    """Tokens of one bucket held by this replica, and what Redis last said about the bucket."""

    __slots__ = (
        "burst", "cap", "expires", "fetching", "granted_at", "grown", "key", "rate",
        "remaining", "size", "tokens", "waiters",
    )  # fmt: skip

    def __init__(self, key: bytes, rate: float, burst: int, cap: int) -> None:
        self.key, self.rate, self.burst = key, rate, burst
        self.cap = cap  # the most tokens ever held
        self.size = 1  # tokens held after a top-up, between 1 and cap
        self.tokens = 0
        self.granted_at = -LEASE_SECONDS
        self.expires = 0.0
        self.grown = False  # doubled since the last grant
        self.remaining = 0
        self.fetching = False
        self.waiters: list[_Request] = []


class LeasedBuckets:
    """Admit requests from locally held tokens; `fetch` asks Redis for more (callback style)."""

    def __init__(
        self,
        batch: int,
        fetch: Fetch,
        clock: Callable[[], float],
        fallback: Callable[[list[Bucket]], Decision],
    ) -> None:
        self.batch = batch
        self._fetch = fetch
        self._fallback = fallback
        self._clock = clock
        self._leases: dict[bytes, Lease] = {}

    def _lease(self, key: bytes, rate: float, burst: int, now: float) -> Lease:
        lease = self._leases.get(key)
        if lease is None:
            if len(self._leases) >= 100_000:
                self._drop_idle(now)
            cap = min(self.batch, max(1, burst // 8))
            lease = self._leases[key] = Lease(key, rate, burst, cap)
        elif lease.expires <= now and not lease.fetching and lease.tokens > 0:
            # An ended lease: its unspent tokens are given up, and it was larger than the
            # caller's pace needs.
            lease.tokens = 0
            lease.size = max(1, lease.size // 2)
        return lease

    def _drop_idle(self, now: float) -> None:
        for key in [k for k, v in self._leases.items() if v.expires <= now and not v.fetching]:
            del self._leases[key]

    def take(self, buckets: list[Bucket], done: Callable[[Decision], None]) -> Decision | None:
        """A decision now, or None and `done(decision)` later (the local fallback's decision
        when Redis fails)."""
        now = self._clock()
        get = self._leases.get
        leases = []
        ready = True
        for key, rate, burst in buckets:
            lease = get(key)
            if lease is None or lease.expires <= now:
                lease = self._lease(key, rate, burst, now)
            if lease.tokens < 1:
                ready = False
            leases.append(lease)
        if ready:
            for lease in leases:
                lease.tokens -= 1
                if lease.size > 1 and lease.tokens * 2 <= lease.size and not lease.fetching:
                    self._refill(lease)
            return self._allowed(leases)
        req = _Request(buckets, done)
        for lease in leases:
            if lease.tokens >= 1:
                lease.tokens -= 1
                req.reserved.append(lease)
            else:
                req.missing += 1
                lease.waiters.append(req)
                if not lease.grown and now - lease.granted_at < GROW_SECONDS:
                    lease.grown = True  # run dry soon after a grant: requests outrun it
                    lease.size = min(lease.cap, lease.size * 2)
                if not lease.fetching:
                    self._refill(lease)
        return None

    def _refill(self, lease: Lease) -> None:
        lease.fetching = True
        want = max(len(lease.waiters), lease.size - max(lease.tokens, 0))

        def reply(answer: list[int] | None) -> None:
            lease.fetching = False
            self._granted(lease, answer)

        self._fetch(lease.key, lease.rate, lease.burst, want, reply)

    def _granted(self, lease: Lease, answer: list[int] | None) -> None:
        waiters, lease.waiters = lease.waiters, []
        if answer is None:  # Redis failed: every waiter is decided elsewhere
            for req in waiters:
                self._finish(req, None)
            return
        granted, limit, remaining, reset, retry = (int(x) for x in answer)
        lease.tokens += granted
        lease.remaining = remaining
        now = self._clock()
        if granted:
            lease.granted_at = now
            lease.grown = False
        lease.expires = now + LEASE_SECONDS
        for i, req in enumerate(waiters):
            if req.finished:
                continue
            if lease.tokens >= 1:
                lease.tokens -= 1
                req.reserved.append(lease)
                req.missing -= 1
                if req.missing == 0:
                    self._finish(req, self._allowed(req.reserved))
            elif granted == 0:
                self._finish(req, Decision(False, limit, 0, reset, max(retry, 1)))
            else:  # more waiters than tokens granted: ask again for the rest
                lease.waiters = [w for w in waiters[i:] if not w.finished]
                self._refill(lease)
                return

    def _finish(self, req: _Request, decision: Decision | None) -> None:
        if req.finished:
            return
        req.finished = True
        if decision is None or not decision.allowed:
            for lease in req.reserved:  # not spent: back to the lease
                lease.tokens += 1
            req.reserved = []
        req.done(decision if decision is not None else self._fallback(req.buckets))

    @staticmethod
    def _allowed(leases: list[Lease]) -> Decision:
        worst, left = leases[0], leases[0].remaining + leases[0].tokens
        for lease in leases[1:]:
            n = lease.remaining + lease.tokens
            if n < left:
                worst, left = lease, n
        reset = math.ceil((worst.burst - left) / worst.rate) if left < worst.burst else 0
        return Decision(True, worst.burst, left, reset, 0)

    def __len__(self) -> int:
        return len(self._leases)
