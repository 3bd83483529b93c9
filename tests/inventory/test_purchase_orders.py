"""Purchase orders: states, receipts against their lines, tolerance, reversal and events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from erp.inventory.domain.verify import verify_balances
from erp.inventory.main import SPEC
from erp.inventory.models import purchase_order_lines
from tests.inventory.builders import item, move, ok, published, stock, warehouse
from tests.support.clients import ServiceClient, service_client

# Every row a refused request must leave as it was.
TABLES = (
    "movements",
    "stock_ledger",
    "bins",
    "purchase_orders",
    "purchase_order_lines",
    "purchase_order_receipts",
    "outbox",
)


@pytest.fixture
async def tolerant(database_for: Any, tmp_path: Path) -> AsyncIterator[ServiceClient]:
    """Inventory allowing receipts 5 % past what a purchase order line ordered."""
    url = await database_for(SPEC)
    async with service_client(
        SPEC, database_url=url, data_dir=tmp_path, receipt_tolerance_percent=Decimal("5")
    ) as client:
        yield client


async def snapshot(client: ServiceClient) -> dict[str, list[tuple[Any, ...]]]:
    tables = client.app.state.runtime.metadata.tables
    found = {}
    async with client.app.state.runtime.db.read() as conn:
        for name in TABLES:
            table = tables[name]
            # The relay stamps `published_at` in the background: which events there are counts.
            columns = [table.c.event_id] if name == "outbox" else [table]
            rows = await conn.execute(select(*columns).order_by(*table.primary_key))
            found[name] = [tuple(r) for r in rows]
    return found


async def _setup(client: ServiceClient) -> None:
    await warehouse(client, "MAIN")
    await warehouse(client, "SIDE")
    await item(client, "BOLT")
    await item(client, "NUT")


def _order(**extra: Any) -> dict[str, Any]:
    return {
        "supplier": "ACME",
        "lines": [
            {"sku": "BOLT", "warehouse": "MAIN", "quantity": "100", "unit_price": "2.5"},
            {"sku": "NUT", "warehouse": "MAIN", "quantity": "50", "unit_price": "0.1"},
        ],
        **extra,
    }


async def approved_order(client: ServiceClient, **extra: Any) -> dict[str, Any]:
    order = await ok(await client.post("/purchase-orders", json=_order(**extra)))
    return await ok(await client.post(f"/purchase-orders/{order['id']}/approve"), 200)


def _against(order_id: int, line_no: int, sku: str, qty: str, **extra: Any) -> dict[str, Any]:
    return {
        "sku": sku,
        "quantity": qty,
        "purchase_order_line": {"order_id": order_id, "line_no": line_no},
        **extra,
    }


async def _order_now(client: ServiceClient, order_id: int) -> dict[str, Any]:
    return await ok(await client.get(f"/purchase-orders/{order_id}"), 200)


def _quantities(order: dict[str, Any]) -> list[tuple[Decimal, Decimal, Decimal]]:
    return [
        (
            Decimal(ln["quantity_ordered"]),
            Decimal(ln["quantity_received"]),
            Decimal(ln["quantity_open"]),
        )
        for ln in order["lines"]
    ]


async def test_an_order_is_received_in_parts_then_in_full_then_closed(
    inventory: ServiceClient,
) -> None:
    await _setup(inventory)
    draft = await ok(
        await inventory.post(
            "/purchase-orders", json=_order(currency=None, expected_date="2999-01-01")
        )
    )
    assert draft["status"] == "draft" and draft["created_by"] == "tester"
    assert [ln["line_no"] for ln in draft["lines"]] == [1, 2]
    assert _quantities(draft) == [(100, 0, 100), (50, 0, 50)]
    order = await ok(await inventory.post(f"/purchase-orders/{draft['id']}/approve"), 200)
    assert order["status"] == "approved"

    partial = await ok(await move(inventory, "receipt", [_against(order["id"], 1, "BOLT", "40")]))
    # No unit cost given: the order line's price.
    assert Decimal(partial["lines"][0]["unit_cost"]) == Decimal("2.5")
    order = await _order_now(inventory, order["id"])
    assert order["status"] == "partly_received"
    assert _quantities(order) == [(100, 40, 60), (50, 0, 50)]

    rest = [
        _against(order["id"], 1, "BOLT", "60", unit_cost="2.6"),
        _against(order["id"], 2, "NUT", "50"),
    ]
    received = await ok(await move(inventory, "receipt", rest))
    assert [Decimal(ln["unit_cost"]) for ln in received["lines"]] == [
        Decimal("2.6"),
        Decimal("0.1"),
    ]
    order = await _order_now(inventory, order["id"])
    assert order["status"] == "received"
    assert _quantities(order) == [(100, 100, 0), (50, 50, 0)]
    assert Decimal((await stock(inventory, "BOLT"))["on_hand"]) == 100

    closed = await ok(await inventory.post(f"/purchase-orders/{order['id']}/close"), 200)
    assert closed["status"] == "closed"


async def test_closing_early_leaves_nothing_open_and_takes_no_receipts(
    inventory: ServiceClient,
) -> None:
    await _setup(inventory)
    order = await approved_order(inventory)
    await ok(await move(inventory, "receipt", [_against(order["id"], 1, "BOLT", "10")]))
    closed = await ok(await inventory.post(f"/purchase-orders/{order['id']}/close"), 200)
    assert closed["status"] == "closed"
    assert _quantities(closed) == [(100, 10, 0), (50, 0, 0)]
    before = await snapshot(inventory)
    response = await move(inventory, "receipt", [_against(order["id"], 1, "BOLT", "1")])
    assert response.status_code == 409, response.text
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert problem["status_now"] == "closed" and "closed" in problem["detail"]
    assert problem["field"] == "lines.0.purchase_order_line"
    assert await snapshot(inventory) == before


async def test_a_draft_takes_no_receipts(inventory: ServiceClient) -> None:
    await _setup(inventory)
    draft = await ok(await inventory.post("/purchase-orders", json=_order()))
    before = await snapshot(inventory)
    response = await move(
        inventory, "receipt", [_against(draft["id"], 1, "BOLT", "1", unit_cost="1")]
    )
    assert response.status_code == 409
    assert response.json()["status_now"] == "draft"
    assert await snapshot(inventory) == before


async def test_over_receipt_past_the_tolerance_is_409_and_writes_nothing(
    inventory: ServiceClient,
) -> None:
    await _setup(inventory)
    order = await approved_order(inventory)
    await ok(await move(inventory, "receipt", [_against(order["id"], 1, "BOLT", "90")]))
    before = await snapshot(inventory)
    # Two lines against one order line count together: 90 + 6 + 5 passes 100.
    lines = [_against(order["id"], 1, "BOLT", "6"), _against(order["id"], 1, "BOLT", "5")]
    response = await move(inventory, "receipt", lines)
    assert response.status_code == 409, response.text
    problem = response.json()
    assert problem["type"].endswith("/over-receipt")
    assert problem["field"] == "lines.0.purchase_order_line"
    assert (problem["order_id"], problem["line_no"]) == (order["id"], 1)
    assert Decimal(problem["ordered"]) == 100 and Decimal(problem["received"]) == 90
    assert Decimal(problem["tolerance"]) == 0 and Decimal(problem["requested"]) == 11
    assert await snapshot(inventory) == before
    # Exactly what is left is fine.
    await ok(await move(inventory, "receipt", [_against(order["id"], 1, "BOLT", "10")]))


async def test_receipts_may_pass_the_order_by_the_tolerance(tolerant: ServiceClient) -> None:
    await _setup(tolerant)
    order = await approved_order(tolerant)
    await ok(await move(tolerant, "receipt", [_against(order["id"], 1, "BOLT", "105")]))
    after = await _order_now(tolerant, order["id"])
    assert _quantities(after)[0] == (100, 105, 0)
    assert after["status"] == "partly_received"  # the nuts are still to come
    other = await approved_order(tolerant)
    response = await move(tolerant, "receipt", [_against(other["id"], 1, "BOLT", "105.0001")])
    assert response.status_code == 409
    assert Decimal(response.json()["tolerance"]) == 5


BAD_RECEIPTS = [
    ("wrong sku", lambda o: [_against(o, 1, "NUT", "1")], "MAIN", "lines.0.purchase_order_line"),
    (
        "wrong warehouse",
        lambda o: [_against(o, 1, "BOLT", "1")],
        "SIDE",
        "lines.0.purchase_order_line",
    ),
    (
        "unknown line",
        lambda o: [_against(o, 9, "BOLT", "1")],
        "MAIN",
        "lines.0.purchase_order_line",
    ),
    (
        "unknown order",
        lambda o: [_against(o + 1000, 1, "BOLT", "1")],
        "MAIN",
        "lines.0.purchase_order_line",
    ),
    (
        "second line wrong",
        lambda o: [_against(o, 1, "BOLT", "1"), _against(o, 1, "NUT", "1")],
        "MAIN",
        "lines.1.purchase_order_line",
    ),
]


@pytest.mark.parametrize(
    ("case", "lines", "house", "field"), BAD_RECEIPTS, ids=[c[0] for c in BAD_RECEIPTS]
)
async def test_a_receipt_line_must_match_its_order_line(
    inventory: ServiceClient, case: str, lines: Any, house: str, field: str
) -> None:
    await _setup(inventory)
    order = await approved_order(inventory)
    before = await snapshot(inventory)
    response = await move(inventory, "receipt", lines(order["id"]), warehouse=house)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert await snapshot(inventory) == before


async def test_only_receipts_name_an_order_line(inventory: ServiceClient) -> None:
    await _setup(inventory)
    order = await approved_order(inventory)
    await ok(await move(inventory, "receipt", [_against(order["id"], 1, "BOLT", "5")]))
    response = await move(inventory, "issue", [_against(order["id"], 1, "BOLT", "1")])
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "lines.0.purchase_order_line"


async def test_an_order_in_a_foreign_currency_needs_the_cost(inventory: ServiceClient) -> None:
    await _setup(inventory)
    order = await approved_order(inventory, currency="EUR")
    before = await snapshot(inventory)
    response = await move(inventory, "receipt", [_against(order["id"], 1, "BOLT", "5")])
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "lines.0.unit_cost"
    assert await snapshot(inventory) == before
    given = [_against(order["id"], 1, "BOLT", "5", unit_cost="2.7")]
    assert Decimal(
        (await ok(await move(inventory, "receipt", given)))["lines"][0]["unit_cost"]
    ) == Decimal("2.7")


async def test_reversing_a_receipt_gives_the_quantity_back(inventory: ServiceClient) -> None:
    await _setup(inventory)
    order = await approved_order(inventory)
    first = await ok(await move(inventory, "receipt", [_against(order["id"], 1, "BOLT", "100")]))
    second = await ok(await move(inventory, "receipt", [_against(order["id"], 2, "NUT", "50")]))
    assert (await _order_now(inventory, order["id"]))["status"] == "received"
    await ok(await inventory.post(f"/movements/{second['id']}/reverse"))
    after = await _order_now(inventory, order["id"])
    assert after["status"] == "partly_received"
    assert _quantities(after) == [(100, 100, 0), (50, 0, 50)]
    await ok(await inventory.post(f"/movements/{first['id']}/reverse"))
    after = await _order_now(inventory, order["id"])
    assert after["status"] == "approved"
    assert _quantities(after) == [(100, 0, 100), (50, 0, 50)]
    # What was given back may be received again.
    await ok(await move(inventory, "receipt", [_against(order["id"], 1, "BOLT", "100")]))


async def test_a_receipt_reversed_after_closing_keeps_the_order_closed(
    inventory: ServiceClient,
) -> None:
    await _setup(inventory)
    order = await approved_order(inventory)
    receipt = await ok(await move(inventory, "receipt", [_against(order["id"], 1, "BOLT", "30")]))
    await ok(await inventory.post(f"/purchase-orders/{order['id']}/close"), 200)
    await ok(await inventory.post(f"/movements/{receipt['id']}/reverse"))
    after = await _order_now(inventory, order["id"])
    assert after["status"] == "closed"
    assert _quantities(after)[0] == (100, 0, 0)


async def test_events_announce_orders_and_tie_receipts_to_them(inventory: ServiceClient) -> None:
    await _setup(inventory)
    order = await approved_order(inventory, expected_date="2999-01-01")
    (approved,) = await published(inventory, "inventory.purchase-order-approved")
    assert approved["order_id"] == order["id"] and approved["supplier"] == "ACME"
    assert approved["currency"] is None and approved["expected_date"] == "2999-01-01"
    assert [ln["quantity_ordered"] for ln in approved["lines"]] == ["100.0000", "50.0000"]
    await ok(await move(inventory, "receipt", [{"sku": "NUT", "quantity": "1", "unit_cost": "1"}]))
    receipt = await ok(await move(inventory, "receipt", [_against(order["id"], 1, "BOLT", "40")]))
    await ok(await inventory.post(f"/movements/{receipt['id']}/reverse"))
    plain, against, reversal = await published(inventory, "inventory.stock-moved")
    # A line received against no order travels as it always has.
    assert "purchase_order_id" not in plain["lines"][0] and "supplier" not in plain["lines"][0]
    line = against["lines"][0]
    assert (line["purchase_order_id"], line["purchase_order_line"]) == (order["id"], 1)
    assert line["supplier"] == "ACME" and Decimal(line["quantity"]) == 40
    back = reversal["lines"][0]
    assert (back["purchase_order_id"], back["purchase_order_line"]) == (order["id"], 1)
    assert Decimal(back["quantity"]) == -40
    await ok(await move(inventory, "receipt", [_against(order["id"], 1, "BOLT", "30")]))
    await ok(await inventory.post(f"/purchase-orders/{order['id']}/close"), 200)
    (closed,) = await published(inventory, "inventory.purchase-order-closed")
    assert closed["order_id"] == order["id"] and closed["previous_status"] == "partly_received"
    assert closed["closed_by"] == "tester"
    assert [ln["quantity_received"] for ln in closed["lines"]] == ["30.0000", "0.0000"]


async def test_verify_checks_what_order_lines_received(inventory: ServiceClient) -> None:
    await _setup(inventory)
    order = await approved_order(inventory)
    receipt = await ok(await move(inventory, "receipt", [_against(order["id"], 1, "BOLT", "30")]))
    await ok(await move(inventory, "receipt", [_against(order["id"], 1, "BOLT", "20")]))
    await ok(await inventory.post(f"/movements/{receipt['id']}/reverse"))
    db = inventory.app.state.runtime.db
    async with db.read() as conn:
        assert (await verify_balances(conn))[1] == []
    async with db.transaction() as conn:
        await conn.execute(purchase_order_lines.update().values(quantity_received=Decimal("7")))
    async with db.read() as conn:
        mismatches = (await verify_balances(conn))[1]
    assert [(m.sku, m.kept, m.recomputed) for m in mismatches] == [
        ("BOLT", Decimal("7"), Decimal("20")),
        ("NUT", Decimal("7"), Decimal("0")),
    ]
    assert mismatches[0].field == f"quantity_received (purchase order {order['id']} line 1)"
