"""Concurrent receipts against one purchase order line on PostgreSQL: the lock on the order
counts them one after the other, so together they never pass what the line may receive."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

from erp.inventory.domain.verify import verify_balances
from erp.inventory.main import SPEC
from tests.inventory.builders import item, ok, stock, warehouse
from tests.support.clients import service_client
from tests.support.databases import PostgresFactory


async def test_concurrent_receipts_never_over_receive(
    postgres: PostgresFactory, tmp_path: Path
) -> None:
    url = await postgres.fresh(SPEC)
    async with service_client(
        SPEC,
        database_url=url,
        data_dir=tmp_path,
        db_pool_size=20,
        db_max_overflow=20,
        receipt_tolerance_percent=Decimal("10"),
    ) as client:
        await warehouse(client)
        await item(client, "BOLT")
        await item(client, "NUT")
        body = {
            "supplier": "ACME",
            "lines": [
                {"sku": "BOLT", "warehouse": "MAIN", "quantity": "20", "unit_price": "2"},
                {"sku": "NUT", "warehouse": "MAIN", "quantity": "1000", "unit_price": "1"},
            ],
        }
        order = await ok(await client.post("/purchase-orders", json=body))
        await ok(await client.post(f"/purchase-orders/{order['id']}/approve"), 200)

        def receipt(i: int) -> dict[str, object]:
            # Half also receive the other line first: the order is locked before any bin, so
            # the two line orders cannot deadlock.
            lines = [_against(order["id"], 1, "BOLT")]
            if i % 2:
                lines = [_against(order["id"], 2, "NUT"), *lines]
            return {"type": "receipt", "warehouse": "MAIN", "lines": lines}

        responses = await asyncio.gather(
            *(client.post("/movements", json=receipt(i)) for i in range(40))
        )
        statuses = [r.status_code for r in responses]
        assert set(statuses) <= {201, 409}, [r.text for r in responses if r.status_code >= 500]
        # 20 ordered, 10 % tolerance: 22 single units come in, no more.
        assert statuses.count(201) == 22
        refused = [r.json() for r in responses if r.status_code == 409]
        assert {p["type"].rsplit("/", 1)[1] for p in refused} == {"over-receipt"}
        after = await ok(await client.get(f"/purchase-orders/{order['id']}"), 200)
        bolts, nuts = after["lines"]
        assert Decimal(bolts["quantity_received"]) == 22
        assert Decimal((await stock(client, "BOLT"))["on_hand"]) == 22
        nuts_in = sum(1 for i, r in enumerate(responses) if i % 2 and r.status_code == 201)
        assert Decimal(nuts["quantity_received"]) == nuts_in
        assert after["status"] == "partly_received"
        async with client.app.state.runtime.db.read() as conn:
            _, mismatches = await verify_balances(conn)
        assert mismatches == []


def _against(order_id: int, line_no: int, sku: str) -> dict[str, object]:
    return {
        "sku": sku,
        "quantity": "1",
        "purchase_order_line": {"order_id": order_id, "line_no": line_no},
    }
