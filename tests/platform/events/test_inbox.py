from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from erp.platform.db import Database
from erp.platform.events.envelope import Event
from erp.platform.events.inbox import Inbox
from tests.platform.events import sample


def credit(n: int, account: str, sequence: int, amount: int) -> Event:
    return Event(
        id=f"evt-{n}",
        source=sample.SOURCE,
        type=sample.TOPIC,
        subject=account,
        sequence=sequence,
        time=datetime.now(UTC),
        data={"amount": str(amount)},
    )


def inbox_for(db: Database) -> Inbox:
    return Inbox(
        service="ledger", db=db, metadata=sample.metadata, handlers=sample.spec().subscriptions
    )


async def test_redelivered_event_has_no_second_effect(db: Database) -> None:
    inbox = inbox_for(db)
    event = credit(1, "a", 1, 10)
    assert await inbox.deliver([event]) == {"evt-1": None}
    assert await inbox.deliver([event, event]) == {"evt-1": None}
    assert await sample.totals(db) == (1, 1, Decimal(10))


async def test_a_failing_event_does_not_hold_back_the_rest_of_its_batch(db: Database) -> None:
    sample.Behaviour.failing = {"frozen"}
    try:
        outcome = await inbox_for(db).deliver(
            [credit(1, "a", 1, 1), credit(2, "frozen", 1, 5), credit(3, "b", 1, 2)]
        )
    finally:
        sample.Behaviour.failing = set()
    assert outcome["evt-1"] is None and outcome["evt-3"] is None
    assert "frozen" in (outcome["evt-2"] or "")
    assert await sample.totals(db) == (2, 2, Decimal(3))


async def test_concurrent_deliveries_of_one_event_apply_once(db: Database) -> None:
    inbox = inbox_for(db)
    event = credit(1, "a", 1, 7)
    await asyncio.gather(*(inbox.deliver([event]) for _ in range(5)), return_exceptions=True)
    assert (await sample.totals(db))[0] == 1


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    order=st.permutations(range(12)),
    repeats=st.lists(st.integers(0, 11), max_size=8),
)
async def test_any_interleaving_and_late_redelivery_gives_the_same_state(
    tmp_path_factory: pytest.TempPathFactory, order: list[int], repeats: list[int]
) -> None:
    # Three accounts, four events each: sequence k carries amount 10*account+k.
    events = [credit(i, f"acct-{i % 3}", i // 3 + 1, 10 * (i % 3) + i // 3 + 1) for i in range(12)]
    path = tmp_path_factory.mktemp("prop") / "events.db"
    db = Database(f"sqlite+aiosqlite:///{path}")
    try:
        await sample.create_schema(db)
        inbox = inbox_for(db)
        for i in [*order, *repeats]:  # every event once, some delivered again late
            await inbox.deliver([events[i]])
        rows, distinct, total = await sample.totals(db)
        assert rows == distinct == 12
        assert total == sum(Decimal(e.data["amount"]) for e in events)
        async with db.read() as conn:
            latest = dict(
                (await conn.execute(select(sample.balances.c.account, sample.balances.c.sequence)))
                .tuples()
                .all()
            )
        assert latest == {"acct-0": 4, "acct-1": 4, "acct-2": 4}
    finally:
        await db.dispose()


def test_envelope_parses_what_enqueue_writes() -> None:
    raw = json.dumps(
        {
            "specversion": "1.0",
            "id": "x",
            "source": "erp/ledger",
            "type": sample.TOPIC,
            "subject": "a",
            "time": "2026-01-01T00:00:00Z",
            "datacontenttype": "application/json",
            "sequence": 3,
            "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            "data": {"amount": "1"},
        }
    )
    event = Event.from_json(raw)
    assert event.sequence == 3 and event.time.tzinfo is not None
    assert event.traceparent and event.traceparent.startswith("00-")
