"""Holds against available stock: created, released, consumed by an issue, expired."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from erp.inventory.main import SPEC
from tests.inventory.builders import item, move, ok, published, receive, stock, warehouse
from tests.support.clients import ServiceClient, service_client


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


async def test_issuing_part_of_a_hold_leaves_the_rest_held(inventory: ServiceClient) -> None:
    await _stocked(inventory, "10")
    hold = await ok(
        await inventory.post(
            "/reservations", json={"sku": "A", "warehouse": "MAIN", "quantity": "6"}
        )
    )
    first = await ok(
        await move(
            inventory, "issue", [{"sku": "A", "quantity": "2", "reservation_id": hold["id"]}]
        )
    )
    part = await ok(await inventory.get(f"/reservations/{hold['id']}"), 200)
    assert part["status"] == "active" and part["consumed_by"] == first["id"]
    assert (
        Decimal(part["quantity"]),
        Decimal(part["initial_quantity"]),
        Decimal(part["consumed_quantity"]),
    ) == (4, 6, 2)
    position = await stock(inventory, "A")
    assert (Decimal(position["on_hand"]), Decimal(position["reserved"])) == (8, 4)
    # Free stock is 4: a plain issue of 5 would take held stock.
    assert (await move(inventory, "issue", [{"sku": "A", "quantity": "5"}])).status_code == 409
    # Drawing more than is left takes the rest of the hold and the surplus from free stock.
    last = await ok(
        await move(
            inventory, "issue", [{"sku": "A", "quantity": "5", "reservation_id": hold["id"]}]
        )
    )
    done = await ok(await inventory.get(f"/reservations/{hold['id']}"), 200)
    assert done["status"] == "consumed" and done["consumed_by"] == last["id"]
    assert (Decimal(done["quantity"]), Decimal(done["consumed_quantity"])) == (0, 6)
    position = await stock(inventory, "A")
    assert (Decimal(position["on_hand"]), Decimal(position["reserved"])) == (3, 0)
    changes = await published(inventory, "inventory.reservation-changed")
    assert [(c["status"], Decimal(c["quantity"])) for c in changes] == [
        ("active", 6),
        ("active", 4),
        ("consumed", 0),
    ]


async def test_hold_duration_per_reservation(inventory: ServiceClient) -> None:
    await _stocked(inventory)
    body = {"sku": "A", "warehouse": "MAIN", "quantity": "1"}
    default = await ok(await inventory.post("/reservations", json=body))
    lasts = datetime.fromisoformat(default["expires_at"]) - datetime.fromisoformat(
        default["created_at"]
    )
    assert lasts == timedelta(minutes=15)
    until = (datetime.now(UTC) + timedelta(hours=2)).replace(microsecond=0)
    given = await ok(
        await inventory.post("/reservations", json={**body, "expires_at": until.isoformat()})
    )
    assert datetime.fromisoformat(given["expires_at"]) == until
    for extra, field in [
        ({"expires_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat()}, "expires_at"),
        ({"expires_at": (datetime.now(UTC) + timedelta(days=31)).isoformat()}, "expires_at"),
        ({"expires_at": until.isoformat(), "expires_in_seconds": 60}, "expires_at"),
        ({"expires_in_seconds": 30 * 24 * 3600 + 1}, "expires_in_seconds"),
        ({"expires_at": "soon"}, "expires_at"),
    ]:
        response = await inventory.post("/reservations", json={**body, **extra})
        assert response.status_code == 422, (extra, response.text)
        assert response.json()["errors"][0]["field"] == field


async def test_configured_default_hold(database_for: Any, tmp_path: Path) -> None:
    url = await database_for(SPEC)
    async with service_client(
        SPEC, database_url=url, data_dir=tmp_path, reservation_hold_seconds=120
    ) as client:
        await _stocked(client)
        hold = await ok(
            await client.post(
                "/reservations", json={"sku": "A", "warehouse": "MAIN", "quantity": "1"}
            )
        )
        lasts = datetime.fromisoformat(hold["expires_at"]) - datetime.fromisoformat(
            hold["created_at"]
        )
        assert lasts == timedelta(seconds=120)
