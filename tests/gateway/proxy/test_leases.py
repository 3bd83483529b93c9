"""Batched rate limits: tokens taken from Redis in batches, spent locally, never overshooting."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from erp.gateway.proxy import RateLimitConfig, RouteConfig
from erp.gateway.proxy.buckets import Decision
from erp.gateway.proxy.leases import LeasedBuckets
from tests.gateway.proxy.backends import EchoBackend
from tests.gateway.proxy.conftest import ProxyFactory, auth, base_url


class FakeRedis:
    """A bucket holding `tokens`; replies are delivered when `flush` is called."""

    def __init__(self, tokens: int) -> None:
        self.tokens = tokens
        self.calls: list[int] = []
        self.pending: list[Callable[[], None]] = []

    def fetch(self, key: bytes, rate: float, burst: int, want: int, reply: Any) -> None:
        self.calls.append(want)

        def answer() -> None:
            granted = min(want, self.tokens)
            self.tokens -= granted
            reply([granted, burst, self.tokens, 1, 0 if granted else 3])

        self.pending.append(answer)

    def flush(self) -> None:
        pending, self.pending = self.pending, []
        for answer in pending:
            answer()


def local_never(_: Any) -> Decision:
    raise AssertionError("no fallback expected")


def arrive(
    leased: LeasedBuckets, redis: FakeRedis, bucket: list[Any], rounds: int, per_round: int
) -> list[int]:
    """`per_round` requests per Redis round trip, `rounds` times: how many waited each round."""
    waited = []
    for _ in range(rounds):
        waited.append(sum(leased.take(bucket, lambda d: None) is None for _ in range(per_round)))
        redis.flush()
    return waited


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_lease_grows_while_requests_outrun_it_and_then_serves_a_batch_per_round_trip() -> None:
    redis = FakeRedis(tokens=1000)
    leased = LeasedBuckets(8, redis.fetch, lambda: 0.0, local_never)
    bucket = [(b"u:ann", 10.0, 80)]
    waited = arrive(leased, redis, bucket, rounds=8, per_round=3)
    assert redis.calls[0] == 1 and max(redis.calls) == 8  # from one token up to the batch
    assert waited[0] == 3 and waited[-3:] == [0, 0, 0]  # once grown, nobody waits
    lease = leased._leases[b"u:ann"]
    assert lease.size == 8
    calls = len(redis.calls)
    for _ in range(4):
        assert all(leased.take(bucket, lambda d: None) is not None for _ in range(4))
        redis.flush()
    assert len(redis.calls) == calls + 4  # a round trip per four requests: half a batch


def test_a_caller_that_comes_now_and_then_takes_one_token_per_request() -> None:
    redis = FakeRedis(tokens=1000)
    clock = Clock()
    leased = LeasedBuckets(8, redis.fetch, clock, local_never)
    bucket = [(b"u:eve", 10.0, 80)]
    for _ in range(5):
        assert leased.take(bucket, lambda d: None) is None
        redis.flush()
        clock.now += 0.5
    # Exact: nothing held back that the caller might be refused for elsewhere.
    assert redis.calls == [1] * 5
    assert leased._leases[b"u:eve"].tokens == 0


def test_a_lease_that_ends_with_tokens_unspent_halves() -> None:
    redis = FakeRedis(tokens=1000)
    clock = Clock()
    leased = LeasedBuckets(8, redis.fetch, clock, local_never)
    bucket = [(b"u:fay", 10.0, 80)]
    arrive(leased, redis, bucket, rounds=8, per_round=3)
    spent = 8 * 3
    lease = leased._leases[b"u:fay"]
    assert lease.size == 8
    held = lease.tokens
    assert held > 0
    clock.now += 5  # the caller paused: the lease ended with tokens unspent
    assert leased.take(bucket, lambda d: None) is None
    assert lease.size == 4 and redis.calls[-1] == 4
    redis.flush()
    assert lease.tokens == 3
    # Every token taken from Redis was spent, is held, or was given up with the ended lease.
    assert 1000 - redis.tokens == spent + 1 + 3 + held


def test_a_steady_stream_never_waits_and_never_holds_more_than_a_batch() -> None:
    redis = FakeRedis(tokens=10_000)
    leased = LeasedBuckets(16, redis.fetch, lambda: 0.0, local_never)
    bucket = [(b"u:dee", 100.0, 1000)]
    arrive(leased, redis, bucket, rounds=6, per_round=6)  # grow the lease to the batch
    grown = 6 * 6
    lease = leased._leases[b"u:dee"]
    assert lease.size == 16
    for i in range(2000):
        decision = leased.take(bucket, lambda d: None)
        assert decision is not None and decision.allowed, f"request {i} waited"
        assert 0 <= lease.tokens <= 16
        if i % 5 == 4:  # Redis answers within a few requests
            redis.flush()
    redis.flush()
    # Every token taken from Redis was spent or is still held here: nothing minted, none lost.
    assert 10_000 - redis.tokens == grown + 2000 + lease.tokens
    assert all(want <= 16 for want in redis.calls)


def test_waiters_share_a_fetch_and_are_refused_when_the_bucket_is_empty() -> None:
    redis = FakeRedis(tokens=3)
    leased = LeasedBuckets(8, redis.fetch, lambda: 0.0, local_never)
    bucket = [(b"u:bob", 1.0, 80)]
    decided: list[Decision] = []
    for _ in range(5):
        assert leased.take(bucket, decided.append) is None
    redis.flush()  # one token for the first; the four others ask again together
    redis.flush()  # two granted for four
    redis.flush()  # nothing left: refused
    assert redis.calls == [1, 4, 2]
    assert [d.allowed for d in decided] == [True, True, True, False, False]
    assert decided[-1].retry_after >= 1


def test_small_buckets_stay_exact() -> None:
    redis = FakeRedis(tokens=100)
    leased = LeasedBuckets(16, redis.fetch, lambda: 0.0, local_never)
    leased.take([(b"u:cy", 1.0, 5)], lambda d: None)
    assert redis.calls == [1]  # burst 5: a batch of one


async def test_replicas_together_never_admit_more_than_the_bucket(
    start_proxy: ProxyFactory, backend: EchoBackend, redis_url: str, key_prefix: str
) -> None:
    limits = RateLimitConfig(
        redis_url=redis_url,
        key_prefix=key_prefix,
        user_rate=0.001,
        user_burst=40,
        ip_rate=1000,
        ip_burst=10_000,
        batch=4,
    )
    proxies = [
        await start_proxy(
            routes=(RouteConfig("/api/inventory/", backend.url),),
            fallback=backend.url,
            rate_limit=limits,
        )
        for _ in range(2)
    ]
    admitted = 0
    async with httpx.AsyncClient() as client:
        for i in range(60):
            r = await client.get(base_url(proxies[i % 2]) + "/api/inventory/x", headers=auth())
            admitted += r.status_code == 200
            assert r.status_code in (200, 429)
    # No overshoot; at most a batch of tokens per replica held back unspent.
    assert 40 - 2 * 4 <= admitted <= 40
