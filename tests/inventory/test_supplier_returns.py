"""Supplier returns: goods of a receipt sent back at the receipt's own cost, what is left to
return, the purchase order line given back, the events, and what is refused."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import inspect

from erp.inventory.domain.verify import verify_balances
from erp.inventory.main import SPEC
from erp.platform.db import Database
from erp.platform.db.migrations import served_code, upgrade
from tests.inventory.builders import item, move, ok, published, receive, stock, warehouse
from tests.inventory.test_migration_posting_dates import _empty_database
from tests.inventory.test_purchase_orders import _against, _quantities, approved_order, snapshot
from tests.support.clients import ServiceClient


async def _return(client: ServiceClient, movement_id: int, *lines: tuple[int, str]) -> Any:
    body = {"reason": "damaged", "lines": [{"line_no": n, "quantity": q} for n, q in lines]}
    return await client.post(f"/movements/{movement_id}/return", json=body)


def _field(response: Any, status: int) -> list[str]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return [e.get("field") for e in response.json().get("errors", [])]


async def test_a_partial_return_leaves_at_the_receipt_cost_not_the_average(
    inventory: ServiceClient,
) -> None:
    await warehouse(inventory, "MAIN")
    await item(inventory, "BOLT")
    first = await receive(inventory, "BOLT", "10", "2.00")
    await receive(inventory, "BOLT", "10", "4.00")  # the average is now 3.00
    back = await ok(await _return(inventory, first["id"], (0, "4")))
    assert (back["type"], back["returns"], back["reverses"]) == ("receipt", first["id"], None)
    (line,) = back["lines"]
    assert (line["line_no"], Decimal(line["quantity"]), Decimal(line["value"])) == (0, -4, -8)
    assert Decimal(line["unit_cost"]) == 2
    position = await stock(inventory, "BOLT")
    assert (Decimal(position["on_hand"]), Decimal(position["value"])) == (16, 52)
    # What is left of the line: 6; the original is not marked reversed.
    assert (await ok(await inventory.get(f"/movements/{first['id']}"), 200))["reversed_by"] is None
    assert _field(await _return(inventory, first["id"], (0, "6.0001")), 422) == ["lines.0.quantity"]
    await ok(await _return(inventory, first["id"], (0, "6")))
    # Everything returned: a reversal has nothing left to take; a return is never reversed.
    assert _field(await inventory.post(f"/movements/{first['id']}/reverse"), 409) == []
    assert _field(await inventory.post(f"/movements/{back['id']}/reverse"), 409) == []
    position = await stock(inventory, "BOLT")
    assert (Decimal(position["on_hand"]), Decimal(position["value"])) == (10, 40)
    moved = await published(inventory, "inventory.stock-moved")
    assert [(e.get("reverses"), e.get("returns")) for e in moved[-2:]] == [(first["id"],) * 2] * 2
    assert "returns" not in moved[0]  # an ordinary movement travels as it always has
    assert await published(inventory, "inventory.movement-reversed") == []


async def test_a_return_gives_the_order_line_back_and_a_reversal_takes_only_the_rest(
    inventory: ServiceClient,
) -> None:
    await warehouse(inventory, "MAIN")
    await item(inventory, "BOLT")
    await item(inventory, "NUT")
    order = await approved_order(inventory)
    lines = [_against(order["id"], 1, "BOLT", "60"), _against(order["id"], 2, "NUT", "50")]
    receipt = await ok(await move(inventory, "receipt", lines))
    got = await ok(await inventory.get(f"/purchase-orders/{order['id']}"), 200)
    assert got["status"] == "partly_received"
    back = await ok(await _return(inventory, receipt["id"], (0, "15"), (1, "50"), (0, "5")))
    assert [(ln["line_no"], Decimal(ln["quantity"])) for ln in back["lines"]] == [
        (0, -20),
        (1, -50),
    ]
    got = await ok(await inventory.get(f"/purchase-orders/{order['id']}"), 200)
    assert _quantities(got) == [(100, 40, 60), (50, 0, 50)]
    (event,) = [e for e in await published(inventory, "inventory.stock-moved") if e.get("returns")]
    assert [ln["purchase_order_line"] for ln in event["lines"]] == [1, 2]
    # The reversal takes what is left: 40 bolts, no nuts.
    undone = await ok(await inventory.post(f"/movements/{receipt['id']}/reverse"))
    assert [(ln["line_no"], Decimal(ln["quantity"])) for ln in undone["lines"]] == [(0, -40)]
    got = await ok(await inventory.get(f"/purchase-orders/{order['id']}"), 200)
    assert (got["status"], _quantities(got)) == ("approved", [(100, 0, 100), (50, 0, 50)])
    assert (Decimal((await stock(inventory, "BOLT"))["on_hand"])) == 0
    async with inventory.app.state.runtime.db.read() as conn:
        assert (await verify_balances(conn))[1] == []
    # A reversed receipt has nothing to return.
    assert _field(await _return(inventory, receipt["id"], (0, "1")), 409) == []


async def test_bad_returns_are_refused_and_write_nothing(inventory: ServiceClient) -> None:
    await warehouse(inventory, "MAIN")
    await item(inventory, "BOLT")
    receipt = await receive(inventory, "BOLT", "10", "2.00")
    issue = await ok(await move(inventory, "issue", [{"sku": "BOLT", "quantity": "8"}]))
    before = await snapshot(inventory)
    assert _field(await _return(inventory, receipt["id"], (0, "11")), 422) == ["lines.0.quantity"]
    over = await _return(inventory, receipt["id"], (0, "6"), (0, "5"))
    assert _field(over, 422) == ["lines.1.quantity"]
    assert _field(await _return(inventory, receipt["id"], (3, "1")), 422) == ["lines.0.line_no"]
    assert "lines.0.quantity" in _field(await _return(inventory, receipt["id"], (0, "0")), 422)
    assert _field(await _return(inventory, issue["id"], (0, "1")), 409) == []
    assert _field(await _return(inventory, 999, (0, "1")), 404) == []
    short = await _return(inventory, receipt["id"], (0, "3"))  # only 2 are left on hand
    assert short.status_code == 409 and "insufficient" in short.json()["type"]
    viewer = inventory.auth("viewer")
    body = {"reason": "x", "lines": [{"line_no": 0, "quantity": "1"}]}
    forbidden = await inventory.post(
        f"/movements/{receipt['id']}/return", json=body, headers=viewer
    )
    assert forbidden.status_code == 403
    assert await snapshot(inventory) == before


async def test_a_return_is_idempotent_under_its_key(inventory: ServiceClient) -> None:
    await warehouse(inventory, "MAIN")
    await item(inventory, "BOLT")
    receipt = await receive(inventory, "BOLT", "10", "2.00")
    body = {"reason": "wrong size", "lines": [{"line_no": 0, "quantity": "3"}]}
    key = {"Idempotency-Key": "return-1"}
    path = f"/movements/{receipt['id']}/return"
    first = await ok(await inventory.post(path, json=body, headers=key))
    again = await ok(await inventory.post(path, json=body, headers=key))
    assert again["id"] == first["id"]
    assert Decimal((await stock(inventory, "BOLT"))["on_hand"]) == 7


def test_the_returns_migration_is_the_head_and_serves_the_previous_release() -> None:
    scripts = SPEC.migrations.scripts()
    assert scripts.get_heads() == ["20261207_0004"]
    # Back to the head of the release before purchase orders: its code serves this schema.
    assert served_code(scripts, "20261207_0004") == [
        "20261207_0004",
        "20261207_0003",
        "20261201_0002",
    ]


async def test_the_returns_migration_adds_the_column_and_goes_back_down(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = await _empty_database(backend, request, tmp_path)
    await asyncio.to_thread(upgrade, SPEC.migrations, url)
    db = Database(url)

    def columns(c: Any) -> set[str]:
        return {col["name"] for col in inspect(c).get_columns("movements")}

    try:
        async with db.engine.connect() as conn:
            assert "returns" in await conn.run_sync(columns)
        await asyncio.to_thread(command.downgrade, SPEC.migrations.config(url), "20261207_0003")
        async with db.engine.connect() as conn:
            assert "returns" not in await conn.run_sync(columns)
    finally:
        await db.dispose()
