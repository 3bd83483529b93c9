"""Faults with real processes, real PostgreSQL and real Redis: every effect exactly once."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from redis.asyncio import Redis

from erp.platform.db import Database
from tests.platform.events import sample
from tests.platform.events.conftest import eventually, new_pg_database
from tests.platform.events.processes import RedisServer, kill_hard, start_node, stop

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


@dataclass
class Databases:
    """The publisher's database (outbox) and the consumer's (inbox, effects)."""

    publisher_url: str
    publisher: Database
    consumer_url: str
    consumer: Database


@pytest.fixture
async def dbs() -> AsyncIterator[Databases]:
    async with new_pg_database() as pub_url, new_pg_database() as con_url:
        both = Databases(pub_url, Database(pub_url), con_url, Database(con_url))
        for db in (both.publisher, both.consumer):
            await sample.create_schema(db)
        yield both
        for db in (both.publisher, both.consumer):
            await db.dispose()


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for p in started:
        stop(p)


def node_env(db_url: str, redis_url: str, prefix: str) -> dict[str, str]:
    return {
        "ERP_DATABASE_URL": db_url,
        "ERP_EVENT_TRANSPORT": "redis",
        "ERP_REDIS_URL": redis_url,
        "ERP_EVENT_STREAM_PREFIX": prefix,
        "ERP_EVENT_RECLAIM_IDLE_SECONDS": "1",
        "ERP_EVENT_RETRY_BACKOFF_SECONDS": "0.1",
        "ERP_RELAY_SWEEP_SECONDS": "0.5",
    }


def amounts(n: int, start: int = 0) -> list[tuple[str, int]]:
    return [(f"acct-{i % 17}", i) for i in range(start, start + n)]


async def applied(db: Database, n: int, within: float = 60) -> None:
    async def done() -> bool:
        return (await sample.totals(db))[0] >= n

    await eventually(done, within=within)


async def assert_exactly_once(db: Database, items: list[tuple[str, int]]) -> None:
    rows, distinct, total = await sample.totals(db)
    assert (rows, distinct) == (len(items), len(items))
    assert total == Decimal(sum(a for _, a in items))


async def test_publisher_killed_between_commit_and_publish_delivers_after_restart(
    dbs: Databases, redis_url: str, stream_prefix: str, processes: list
) -> None:
    processes.append(start_node("ledger", node_env(dbs.consumer_url, redis_url, stream_prefix)))
    env = node_env(dbs.publisher_url, redis_url, stream_prefix)
    # The publisher's broker is unreachable: rows are committed but cannot be published.
    publisher = start_node("publisher", {**env, "ERP_REDIS_URL": "redis://127.0.0.1:1/0"})
    items = amounts(200)
    await sample.emit(dbs.publisher, items, per_transaction=10)
    kill_hard(publisher)
    assert (await sample.totals(dbs.consumer))[0] == 0
    processes.append(start_node("publisher", env))
    await applied(dbs.consumer, len(items))
    await assert_exactly_once(dbs.consumer, items)


async def test_consumer_killed_mid_batch_applies_every_event_once(
    dbs: Databases, redis_url: str, stream_prefix: str, processes: list
) -> None:
    consumer_env = node_env(dbs.consumer_url, redis_url, stream_prefix)
    consumer = start_node("ledger", {**consumer_env, "SAMPLE_HANDLER_DELAY": "0.002"})
    processes.append(start_node("publisher", node_env(dbs.publisher_url, redis_url, stream_prefix)))
    items = amounts(3000)
    await sample.emit(dbs.publisher, items, per_transaction=100)
    await applied(dbs.consumer, 500)
    kill_hard(consumer)  # somewhere inside a batch of up to 100 events
    assert (await sample.totals(dbs.consumer))[0] < len(items)
    processes.append(start_node("ledger", consumer_env))
    await applied(dbs.consumer, len(items))
    await assert_exactly_once(dbs.consumer, items)


async def test_redis_restart_loses_nothing_and_doubles_nothing(
    dbs: Databases, processes: list
) -> None:
    server = RedisServer()
    server.start()
    try:
        consumer_env = node_env(dbs.consumer_url, server.url, "erp:events:")
        processes.append(start_node("ledger", {**consumer_env, "SAMPLE_HANDLER_DELAY": "0.001"}))
        processes.append(
            start_node("publisher", node_env(dbs.publisher_url, server.url, "erp:events:"))
        )
        first, second = amounts(1500), amounts(500, start=1500)
        await sample.emit(dbs.publisher, first, per_transaction=50)
        await applied(dbs.consumer, 200)
        server.stop()  # crash, persistence off: streams and groups are gone
        server.start()
        await sample.emit(dbs.publisher, second, per_transaction=50)
        await applied(dbs.consumer, len(first) + len(second), within=90)
        await assert_exactly_once(dbs.consumer, first + second)
    finally:
        for p in processes:
            stop(p)
        server.stop()


async def test_ten_thousand_events_with_two_consumer_replicas_take_effect_once(
    dbs: Databases, redis_url: str, stream_prefix: str, processes: list
) -> None:
    consumer_env = node_env(dbs.consumer_url, redis_url, stream_prefix)
    processes.append(start_node("ledger", consumer_env))
    processes.append(start_node("ledger", consumer_env))
    processes.append(start_node("publisher", node_env(dbs.publisher_url, redis_url, stream_prefix)))
    items = amounts(10_000)
    await sample.emit(dbs.publisher, items, per_transaction=200)
    await applied(dbs.consumer, len(items), within=120)
    await assert_exactly_once(dbs.consumer, items)
    client = Redis.from_url(redis_url, decode_responses=True)
    consumers = await client.xinfo_consumers(f"{stream_prefix}{sample.TOPIC}", "ledger")
    await client.aclose()
    assert len(consumers) == 2 and all(c["pending"] == 0 for c in consumers)
