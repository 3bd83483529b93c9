"""50 concurrent issues of one SKU on PostgreSQL: no oversell, no deadlock or serialization
error reaches a client, and the ledger still explains every balance."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest

from erp.inventory.domain.verify import verify_balances
from erp.inventory.main import SPEC
from tests.inventory.builders import item, ok, receive, stock, warehouse
from tests.support.clients import service_client
from tests.support.databases import PostgresFactory


async def test_fifty_concurrent_issues_never_oversell(
    postgres: PostgresFactory, tmp_path: Path
) -> None:
    url = await postgres.fresh(SPEC)
    async with service_client(
        SPEC, database_url=url, data_dir=tmp_path, db_pool_size=20, db_max_overflow=30
    ) as client:
        await warehouse(client)
        await warehouse(client, "SIDE")
        await item(client, "HOT")
        await item(client, "COLD")
        await receive(client, "HOT", "30", "2")
        await receive(client, "COLD", "100", "1")

        def issue(i: int) -> dict[str, object]:
            # Half of them also touch a second SKU in the opposite line order: row locks are
            # taken in a fixed order, so this cannot deadlock.
            lines = [{"sku": "HOT", "quantity": "1"}]
            if i % 2:
                lines = [{"sku": "COLD", "quantity": "1"}, *lines]
            return {"type": "issue", "warehouse": "MAIN", "lines": lines}

        responses = await asyncio.gather(
            *(client.post("/movements", json=issue(i)) for i in range(50))
        )
        statuses = [r.status_code for r in responses]
        assert set(statuses) <= {201, 409}, [r.text for r in responses if r.status_code >= 500]
        assert statuses.count(201) == 30, "exactly the stock on hand is issued"
        position = await stock(client, "HOT")
        assert Decimal(position["on_hand"]) == 0 and Decimal(position["value"]) == 0
        cold = await stock(client, "COLD")
        issued_cold = sum(1 for i, r in enumerate(responses) if i % 2 and r.status_code == 201)
        assert Decimal(cold["on_hand"]) == 100 - issued_cold
        async with client.app.state.runtime.db.read() as conn:
            _, mismatches = await verify_balances(conn)
        assert mismatches == []


@pytest.mark.parametrize("count", [20])
async def test_concurrent_transfers_both_ways_do_not_deadlock(
    postgres: PostgresFactory, tmp_path: Path, count: int
) -> None:
    url = await postgres.fresh(SPEC)
    async with service_client(
        SPEC, database_url=url, data_dir=tmp_path, db_pool_size=20, db_max_overflow=10
    ) as client:
        await warehouse(client, "A")
        await warehouse(client, "B")
        await item(client, "X")
        await receive(client, "X", "100", "1", warehouse="A")
        await receive(client, "X", "100", "1", warehouse="B")

        def transfer(i: int) -> dict[str, object]:
            source, target = ("A", "B") if i % 2 else ("B", "A")
            return {
                "type": "transfer",
                "warehouse": source,
                "to_warehouse": target,
                "lines": [{"sku": "X", "quantity": "1"}],
            }

        responses = await asyncio.gather(
            *(client.post("/movements", json=transfer(i)) for i in range(count))
        )
        assert [r.status_code for r in responses] == [201] * count
        total = Decimal((await stock(client, "X", "A"))["on_hand"]) + Decimal(
            (await stock(client, "X", "B"))["on_hand"]
        )
        assert total == 200
        await ok(await client.get("/movements", params={"limit": 1}), 200)
