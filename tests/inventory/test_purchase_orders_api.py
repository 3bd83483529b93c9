"""Purchase orders through the API: bad input, states out of order, listing, roles and
retries (receipts against them are in test_purchase_orders)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.inventory.builders import ok, published
from tests.inventory.test_purchase_orders import (
    _order,
    _quantities,
    _setup,
    approved_order,
    snapshot,
)
from tests.support.clients import ServiceClient


def _one(**change: str) -> dict[str, Any]:
    return {
        "lines": [
            {"sku": "BOLT", "warehouse": "MAIN", "quantity": "1", "unit_price": "1", **change}
        ]
    }


BAD_ORDERS = [
    ("unknown sku", _one(sku="NOPE"), "lines.0.sku"),
    ("unknown warehouse", _one(warehouse="NOWHERE"), "lines.0.warehouse"),
    ("zero quantity", _one(quantity="0"), "lines.0.quantity"),
    ("five decimals", _one(quantity="1.00001"), "lines.0.quantity"),
    ("negative price", _one(unit_price="-1"), "lines.0.unit_price"),
    ("no lines", {"lines": []}, "lines"),
    ("bad currency", {"currency": "euro"}, "currency"),
    (
        "expected before ordered",
        {"order_date": "2026-12-01", "expected_date": "2026-11-30"},
        "expected_date",
    ),
    ("missing supplier", {"supplier": None}, "supplier"),
    ("unknown field", {"vendor": "ACME"}, "vendor"),
]


@pytest.mark.parametrize(("case", "change", "field"), BAD_ORDERS, ids=[c[0] for c in BAD_ORDERS])
async def test_bad_order_is_refused_naming_the_field(
    inventory: ServiceClient, case: str, change: dict[str, Any], field: str
) -> None:
    await _setup(inventory)
    body = {k: v for k, v in {**_order(), **change}.items() if v is not None}
    before = await snapshot(inventory)
    response = await inventory.post("/purchase-orders", json=body)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]
    assert await snapshot(inventory) == before


async def test_an_inactive_item_cannot_be_ordered(inventory: ServiceClient) -> None:
    await _setup(inventory)
    await ok(await inventory.patch("/items/NUT", json={"active": False}), 200)
    response = await inventory.post("/purchase-orders", json=_order())
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "lines.1.sku"


async def test_transitions_out_of_order_are_409_naming_the_state(
    inventory: ServiceClient,
) -> None:
    await _setup(inventory)
    draft = await ok(await inventory.post("/purchase-orders", json=_order()))
    path = f"/purchase-orders/{draft['id']}"
    close = await inventory.post(f"{path}/close")
    assert close.status_code == 409 and close.json()["status_now"] == "draft"
    await ok(await inventory.post(f"{path}/approve"), 200)
    again = await inventory.post(f"{path}/approve")
    assert again.status_code == 409 and again.json()["status_now"] == "approved"
    assert "approved" in again.json()["detail"]
    cancel = await inventory.post(f"{path}/cancel")
    assert cancel.status_code == 409
    other = await ok(await inventory.post("/purchase-orders", json=_order()))
    cancelled = await ok(await inventory.post(f"/purchase-orders/{other['id']}/cancel"), 200)
    assert cancelled["status"] == "cancelled" and _quantities(cancelled)[0] == (100, 0, 0)
    assert (await inventory.post("/purchase-orders/999/approve")).status_code == 404
    assert (await inventory.get("/purchase-orders/999")).status_code == 404


async def test_orders_list_newest_first_by_supplier_and_state(inventory: ServiceClient) -> None:
    await _setup(inventory)
    first = await approved_order(inventory)
    second = await ok(await inventory.post("/purchase-orders", json=_order(supplier="GLOBEX")))
    third = await ok(await inventory.post("/purchase-orders", json=_order()))
    page = await ok(await inventory.get("/purchase-orders", params={"limit": 2}), 200)
    assert [o["id"] for o in page["items"]] == [third["id"], second["id"]]
    rest = await ok(
        await inventory.get("/purchase-orders", params={"limit": 2, "cursor": page["next_cursor"]}),
        200,
    )
    assert [o["id"] for o in rest["items"]] == [first["id"]] and rest["next_cursor"] is None
    acme = await ok(await inventory.get("/purchase-orders", params={"supplier": "ACME"}), 200)
    assert [o["id"] for o in acme["items"]] == [third["id"], first["id"]]
    drafts = await ok(
        await inventory.get("/purchase-orders", params={"supplier": "ACME", "status": "draft"}), 200
    )
    assert [o["id"] for o in drafts["items"]] == [third["id"]]
    assert len(drafts["items"][0]["lines"]) == 2
    bad = await inventory.get("/purchase-orders", params={"status": "shipped"})
    assert bad.status_code == 422


async def test_purchasing_takes_the_roles_that_post_receipts(inventory: ServiceClient) -> None:
    await _setup(inventory)
    viewer = inventory.auth("viewer")
    refused = await inventory.post("/purchase-orders", json=_order(), headers=viewer)
    assert refused.status_code == 403
    clerk = inventory.auth("warehouse", subject="wendy")
    order = await ok(await inventory.post("/purchase-orders", json=_order(), headers=clerk))
    assert order["created_by"] == "wendy"
    assert (
        await inventory.post(f"/purchase-orders/{order['id']}/approve", headers=viewer)
    ).status_code == 403
    assert (
        await inventory.get(f"/purchase-orders/{order['id']}", headers=viewer)
    ).status_code == 200


async def test_a_retried_approval_replays_the_first_answer(inventory: ServiceClient) -> None:
    await _setup(inventory)
    order = await ok(await inventory.post("/purchase-orders", json=_order()))
    headers = {"Idempotency-Key": "approve-1"}
    first = await inventory.post(f"/purchase-orders/{order['id']}/approve", headers=headers)
    second = await inventory.post(f"/purchase-orders/{order['id']}/approve", headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json() and second.headers["idempotent-replayed"] == "true"
    assert len(await published(inventory, "inventory.purchase-order-approved")) == 1
