"""Holds against available stock: created, released, consumed by an issue, expired."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from tests.inventory.builders import item, move, ok, receive, stock, warehouse
from tests.support.clients import ServiceClient


async def _stocked(client: ServiceClient, qty: str = "10") -> None:
    await warehouse(client)
    await item(client, "A")
    await receive(client, "A", qty, "1")


async def test_hold_reduces_available_not_on_hand(inventory: ServiceClient) -> None:
    await _stocked(inventory)
    await ok(
        await inventory.post(
            "/reservations", json={"sku": "A", "warehouse": "MAIN", "quantity": "4"}
        )
    )
    position = await stock(inventory, "A")
    assert (
        Decimal(position["on_hand"]),
        Decimal(position["reserved"]),
        Decimal(position["available"]),
    ) == (10, 4, 6)


async def test_hold_beyond_available_is_409(inventory: ServiceClient) -> None:
    await _stocked(inventory, "3")
    response = await inventory.post(
        "/reservations", json={"sku": "A", "warehouse": "MAIN", "quantity": "4"}
    )
    assert response.status_code == 409
    assert Decimal(response.json()["available"]) == 3


async def test_issue_cannot_take_held_stock_but_can_consume_its_hold(
    inventory: ServiceClient,
) -> None:
    await _stocked(inventory, "5")
    hold = await ok(
        await inventory.post(
            "/reservations",
            json={"sku": "A", "warehouse": "MAIN", "quantity": "4", "reference": "order-7"},
        )
    )
    refused = await move(inventory, "issue", [{"sku": "A", "quantity": "2"}])
    assert refused.status_code == 409
    consumed = await ok(
        await move(
            inventory, "issue", [{"sku": "A", "quantity": "4", "reservation_id": hold["id"]}]
        )
    )
    after = await ok(await inventory.get(f"/reservations/{hold['id']}"), 200)
    assert after["status"] == "consumed" and after["consumed_by"] == consumed["id"]
    position = await stock(inventory, "A")
    assert (Decimal(position["on_hand"]), Decimal(position["reserved"])) == (1, 0)
    reuse = await move(
        inventory, "issue", [{"sku": "A", "quantity": "1", "reservation_id": hold["id"]}]
    )
    assert reuse.status_code == 422
    assert reuse.json()["errors"][0]["field"] == "lines.0.reservation_id"


async def test_release_frees_stock_once(inventory: ServiceClient) -> None:
    await _stocked(inventory)
    hold = await ok(
        await inventory.post(
            "/reservations", json={"sku": "A", "warehouse": "MAIN", "quantity": "10"}
        )
    )
    released = await ok(await inventory.post(f"/reservations/{hold['id']}/release"), 200)
    assert released["status"] == "released"
    assert Decimal((await stock(inventory, "A"))["available"]) == 10
    assert (await inventory.post(f"/reservations/{hold['id']}/release")).status_code == 409


async def test_expired_hold_stops_counting(inventory: ServiceClient) -> None:
    await _stocked(inventory)
    hold = await ok(
        await inventory.post(
            "/reservations",
            json={"sku": "A", "warehouse": "MAIN", "quantity": "10", "expires_in_seconds": 1},
        )
    )
    await asyncio.sleep(1.2)
    assert Decimal((await stock(inventory, "A"))["available"]) == 10
    listed = await ok(await inventory.get("/reservations", params={"status": "expired"}), 200)
    assert [r["id"] for r in listed["items"]] == [hold["id"]]
    await ok(await move(inventory, "issue", [{"sku": "A", "quantity": "10"}]))


async def test_reservation_bad_input(inventory: ServiceClient) -> None:
    await _stocked(inventory)
    for body, field in [
        ({"sku": "A", "warehouse": "MAIN", "quantity": "0"}, "quantity"),
        (
            {"sku": "A", "warehouse": "MAIN", "quantity": "1", "expires_in_seconds": 0},
            "expires_in_seconds",
        ),
        ({"sku": "NOPE", "warehouse": "MAIN", "quantity": "1"}, "sku"),
        ({"sku": "A", "warehouse": "NOPE", "quantity": "1"}, "warehouse"),
    ]:
        response = await inventory.post("/reservations", json=body)
        assert response.status_code == 422, body
        assert response.json()["errors"][0]["field"] == field
