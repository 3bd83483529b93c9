from __future__ import annotations

import asyncio
import time

import pytest

from erp.platform.db import Database
from erp.platform.events.relay import Relay
from tests.platform.events import sample
from tests.platform.events.fakes import RecordingTransport


def relay_for(db: Database, transport: RecordingTransport, **options: float) -> Relay:
    return Relay(service="ledger", db=db, metadata=sample.metadata, transport=transport, **options)


async def test_enqueue_writes_a_cloudevent_with_per_subject_sequence(db: Database) -> None:
    await sample.emit(db, [("a", 1), ("b", 2), ("a", 3)])
    transport = RecordingTransport()
    await relay_for(db, transport).drain()
    first = transport.published[0]
    assert first["specversion"] == "1.0"
    assert {"id", "source", "type", "subject", "time", "datacontenttype", "data"} <= set(first)
    assert "traceparent" in first
    assert first["type"] == sample.TOPIC and first["source"] == sample.SOURCE
    assert [(e["subject"], e["sequence"]) for e in transport.published] == [
        ("a", 1),
        ("b", 1),
        ("a", 2),
    ]


async def test_relay_marks_rows_sent_only_after_the_transport_acknowledged(db: Database) -> None:
    await sample.emit(db, [("a", 1), ("a", 2)])
    failing = RecordingTransport(fail=True)
    with pytest.raises(ConnectionError):
        await relay_for(db, failing).drain()
    relay = relay_for(db, RecordingTransport())
    assert (await relay.backlog())[0] == 2
    assert await relay.drain() == 2
    assert (await relay.backlog())[0] == 0


async def test_relay_wakes_right_after_commit_without_waiting_for_the_sweep(db: Database) -> None:
    transport = RecordingTransport()
    relay = relay_for(db, transport, sweep_seconds=60)
    relay.start()
    try:
        await asyncio.sleep(0.2)  # the start-up drain is done; now only a commit can wake it
        transport.arrived.clear()
        started = time.perf_counter()
        await sample.emit(db, [("a", 1)])
        await asyncio.wait_for(transport.arrived.wait(), 2)
        assert time.perf_counter() - started < 0.5
    finally:
        await relay.stop()


async def test_relay_sweep_publishes_rows_committed_while_it_was_away(db: Database) -> None:
    await sample.emit(db, [("a", 1)])
    transport = RecordingTransport()
    relay = relay_for(db, transport, sweep_seconds=0.2)
    relay.start()
    try:
        await asyncio.wait_for(transport.arrived.wait(), 2)
    finally:
        await relay.stop()
    assert len(transport.published) == 1


@pytest.mark.parametrize("layout", ["runs", "interleaved"])
async def test_two_relays_on_postgresql_publish_each_row_once_in_subject_order(
    pg_url: str, layout: str
) -> None:
    dbs = [Database(pg_url), Database(pg_url)]
    await sample.create_schema(dbs[0])

    # runs: 50 events per account, accounts recurring, so replicas can work side by side on
    # different accounts and must wait for each other within one. interleaved: every batch
    # holds every account, so one replica at a time can publish.
    def account(i: int) -> str:
        return f"acct-{(i // 50) % 20}" if layout == "runs" else f"acct-{i % 7}"

    items = [(account(i), i) for i in range(3000)]
    await sample.emit(dbs[0], items, per_transaction=50)
    order: list[dict] = []
    transports = [RecordingTransport(delay=0.002, log=order) for _ in dbs]
    relays = [relay_for(d, t, batch_size=100) for d, t in zip(dbs, transports, strict=True)]
    try:
        await asyncio.gather(*(r.drain() for r in relays), *(r.drain() for r in relays))
        await asyncio.gather(*(r.drain() for r in relays))
        ids = [e["id"] for e in order]
        assert len(ids) == 3000 and len(set(ids)) == 3000
        if layout == "runs":
            assert all(t.published for t in transports), "both replicas took part"
        last: dict[str, int] = {}
        for e in order:  # the order the broker received them, across both replicas
            assert e["sequence"] > last.get(e["subject"], 0), e
            last[e["subject"]] = e["sequence"]
    finally:
        for d in dbs:
            await d.dispose()
