"""Redis Streams transport against the real Redis (own key prefix per test)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from redis.asyncio import Redis

from erp.platform.db import Database
from erp.platform.events.inbox import Inbox
from erp.platform.events.relay import Relay
from erp.platform.events.transports.redis_streams import RedisStreamsTransport
from tests.platform.events import sample
from tests.platform.events.conftest import eventually

pytestmark = pytest.mark.redis


def transport(redis_url: str, prefix: str, **options: object) -> RedisStreamsTransport:
    defaults: dict[str, object] = {
        "max_attempts": 3,
        "backoff_seconds": 0.05,
        "reclaim_idle_seconds": 0.5,
        "block_ms": 200,
    }
    return RedisStreamsTransport(url=redis_url, prefix=prefix, **{**defaults, **options})  # type: ignore[arg-type]


def consumer(
    db: Database, t: RedisStreamsTransport, service: str = "ledger"
) -> RedisStreamsTransport:
    t.subscribe(
        Inbox(
            service=service, db=db, metadata=sample.metadata, handlers=sample.spec().subscriptions
        )
    )
    return t


async def test_publish_and_consume_through_a_consumer_group(
    db: Database, redis_url: str, stream_prefix: str
) -> None:
    publishing = transport(redis_url, stream_prefix)
    consuming = consumer(db, transport(redis_url, stream_prefix))
    relay = Relay(service="pub", db=db, metadata=sample.metadata, transport=publishing)
    await consuming.start()
    await publishing.start()
    relay.start()
    try:
        await sample.emit(db, [(f"a{i % 3}", i) for i in range(50)], per_transaction=5)
        await eventually(lambda: _rows(db, 50))
        stats = await consuming.stats("ledger", [sample.TOPIC])
        assert stats[0].pending == 0 and stats[0].dead_letters == 0
    finally:
        await relay.stop()
        await consuming.close()
        await publishing.close()
    assert await sample.totals(db) == (50, 50, Decimal(sum(range(50))))


async def _rows(db: Database, n: int) -> bool:
    return (await sample.totals(db))[0] >= n


async def test_failing_handler_is_retried_then_dead_lettered_while_others_flow(
    db: Database, redis_url: str, stream_prefix: str
) -> None:
    publishing = transport(redis_url, stream_prefix)
    consuming = consumer(db, transport(redis_url, stream_prefix))
    relay = Relay(service="pub", db=db, metadata=sample.metadata, transport=publishing)
    sample.Behaviour.failing = {"frozen"}
    await consuming.start()
    try:
        await sample.emit(db, [("a", 1), ("frozen", 5), ("b", 2)])
        await relay.drain()
        await eventually(lambda: _rows(db, 2))
        await sample.emit(db, [("c", 4)])
        await relay.drain()
        await eventually(lambda: _rows(db, 3))  # keeps flowing while "frozen" is retried

        async def dead() -> bool:
            return (await consuming.stats("ledger", [sample.TOPIC]))[0].dead_letters == 1

        await eventually(dead)
        client = Redis.from_url(redis_url, decode_responses=True)
        [(_, fields)] = await client.xrange(f"{stream_prefix}{sample.TOPIC}:dead")
        assert fields["group"] == "ledger" and fields["attempts"] == "3"
        assert "frozen" in fields["reason"]
        assert (await consuming.stats("ledger", [sample.TOPIC]))[0].pending == 0

        sample.Behaviour.failing = set()  # fixed: replay the dead letter
        assert await publishing.replay_dead_letters(sample.TOPIC, "ledger") == 1
        await eventually(lambda: _rows(db, 4))
        await client.aclose()
    finally:
        sample.Behaviour.failing = set()
        await consuming.close()
        await publishing.close()
    assert await sample.totals(db) == (4, 4, Decimal(12))


async def test_entries_left_pending_by_a_dead_consumer_are_reclaimed(
    db: Database, redis_url: str, stream_prefix: str
) -> None:
    publishing = transport(redis_url, stream_prefix)
    await sample.emit(db, [("a", 1), ("b", 2)])
    relay = Relay(service="pub", db=db, metadata=sample.metadata, transport=publishing)
    client = Redis.from_url(redis_url, decode_responses=True)
    stream = f"{stream_prefix}{sample.TOPIC}"
    await client.xgroup_create(stream, "ledger", id="0", mkstream=True)
    await relay.drain()
    # A replica reads both entries and dies before acknowledging them.
    await client.xreadgroup("ledger", "dead-replica", {stream: ">"}, count=10)
    survivor = consumer(db, transport(redis_url, stream_prefix, consumer="survivor"))
    await survivor.start()
    try:
        await eventually(lambda: _rows(db, 2))
        await eventually(lambda: _no_pending(client, stream))
    finally:
        await survivor.close()
        await publishing.close()
        await client.aclose()
    assert await sample.totals(db) == (2, 2, Decimal(3))


async def _no_pending(client: Redis, stream: str) -> bool:
    return int((await client.xpending(stream, "ledger"))["pending"]) == 0


def stream_id(entry: str) -> tuple[int, int]:
    milliseconds, _, sequence = entry.partition("-")
    return int(milliseconds), int(sequence)


async def test_trimming_never_drops_entries_a_group_still_needs(
    db: Database, redis_url: str, stream_prefix: str
) -> None:
    publishing = transport(redis_url, stream_prefix, maxlen=100)
    client = Redis.from_url(redis_url, decode_responses=True)
    stream = f"{stream_prefix}{sample.TOPIC}"
    await client.xgroup_create(stream, "fast", id="0", mkstream=True)
    await client.xgroup_create(stream, "slow", id="0", mkstream=True)
    relay = Relay(service="pub", db=db, metadata=sample.metadata, transport=publishing)
    await sample.emit(db, [("a", i) for i in range(400)], per_transaction=100)
    await relay.drain()
    fast = await client.xreadgroup("fast", "c", {stream: ">"}, count=1000)
    await client.xack(stream, "fast", *[i for i, _ in fast[0][1]])
    slow = await client.xreadgroup("slow", "c", {stream: ">"}, count=250)
    await client.xack(stream, "slow", *[i for i, _ in slow[0][1][:200]])  # 50 left pending
    await publishing.maintain([sample.TOPIC])
    remaining = await client.xrange(stream)
    first_needed = slow[0][1][200][0]
    # Nothing the slow group needs is gone. Entry ids compare as (milliseconds, sequence)
    # numbers, not as text: "5-9" comes before "5-14".
    assert stream_id(remaining[0][0]) <= stream_id(first_needed)
    assert len(remaining) < 400  # but what everyone consumed was trimmed
    rest = await client.xreadgroup("slow", "c", {stream: ">"}, count=1000)
    assert len(rest[0][1]) == 150
    await publishing.close()
    await client.aclose()


async def test_readiness_fails_when_redis_is_unreachable(redis_url: str) -> None:
    down = RedisStreamsTransport(url="redis://127.0.0.1:1/0", prefix="erp:none:")
    await down.start()  # starting does not fail: readiness reports it
    with pytest.raises(Exception, match=r"(?i)connect"):
        await down.check()
    await down.close()
