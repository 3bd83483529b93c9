"""The embedded mode: publisher and consumer services in one process, one bus."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from erp.platform.db import Database
from erp.platform.events.inbox import Inbox
from erp.platform.events.relay import Relay
from erp.platform.events.transports.inprocess import InProcessBus, InProcessTransport
from tests.platform.events import sample
from tests.platform.events.conftest import eventually


@pytest.fixture
async def dbs(tmp_path: Path) -> AsyncIterator[tuple[Database, Database]]:
    publisher = Database(f"sqlite+aiosqlite:///{tmp_path / 'publisher.db'}")
    consumer = Database(f"sqlite+aiosqlite:///{tmp_path / 'consumer.db'}")
    for db in (publisher, consumer):
        await sample.create_schema(db)
    yield publisher, consumer
    for db in (publisher, consumer):
        await db.dispose()


def wire(
    bus: InProcessBus, publisher: Database, consumer: Database
) -> tuple[Relay, InProcessTransport]:
    consuming = InProcessTransport(max_attempts=3, backoff_seconds=0.01, bus=bus)
    consuming.subscribe(
        Inbox(
            service="ledger",
            db=consumer,
            metadata=sample.metadata,
            handlers=sample.spec().subscriptions,
        )
    )
    publishing = InProcessTransport(max_attempts=3, backoff_seconds=0.01, bus=bus)
    relay = Relay(
        service="publisher",
        db=publisher,
        metadata=sample.metadata,
        transport=publishing,
        sweep_seconds=0.2,
    )
    return relay, consuming


async def wait_for_total(db: Database, rows: int) -> None:
    async def arrived() -> bool:
        return (await sample.totals(db))[0] >= rows

    await eventually(arrived, within=5)


async def test_commit_reaches_the_consumer_in_the_same_process(
    dbs: tuple[Database, Database],
) -> None:
    publisher, consumer = dbs
    relay, consuming = wire(InProcessBus(), publisher, consumer)
    await consuming.start()
    relay.start()
    try:
        await sample.emit(publisher, [("a", 1), ("b", 2), ("a", 3)])
        await wait_for_total(consumer, 3)
    finally:
        await relay.stop()
    assert await sample.totals(consumer) == (3, 3, Decimal(6))
    assert (await relay.backlog())[0] == 0


async def test_events_wait_in_the_outbox_while_the_consumer_is_stopped(
    dbs: tuple[Database, Database],
) -> None:
    """A restart loses nothing: unacknowledged rows stay in the outbox."""
    publisher, consumer = dbs
    relay, consuming = wire(InProcessBus(), publisher, consumer)
    await sample.emit(publisher, [("a", 1), ("a", 2)])
    await relay.drain()  # consumer not started: nothing acknowledged
    assert (await relay.backlog())[0] == 2
    await consuming.start()
    await relay.drain()
    assert await sample.totals(consumer) == (2, 2, Decimal(3))
    assert (await relay.backlog())[0] == 0


async def test_a_failing_event_stays_in_the_outbox_and_others_flow(
    dbs: tuple[Database, Database],
) -> None:
    publisher, consumer = dbs
    relay, consuming = wire(InProcessBus(), publisher, consumer)
    await consuming.start()
    sample.Behaviour.failing = {"frozen"}
    try:
        await sample.emit(publisher, [("a", 1), ("frozen", 5), ("b", 2)])
        await relay.drain()
        assert await sample.totals(consumer) == (2, 2, Decimal(3))
        assert (await relay.backlog())[0] == 1
        assert (await consuming.stats("ledger", [sample.TOPIC]))[0].dead_letters == 1
    finally:
        sample.Behaviour.failing = set()
    await relay.drain()  # the account thawed: the next sweep applies it
    assert await sample.totals(consumer) == (3, 3, Decimal(8))
    assert (await consuming.stats("ledger", [sample.TOPIC]))[0].dead_letters == 0
