"""An item's unit of measure cannot change while stock counted in it is on hand or reserved."""

from __future__ import annotations

from tests.inventory.builders import item, move, ok, receive, warehouse
from tests.support.clients import ServiceClient


async def test_uom_changes_freely_without_stock(inventory: ServiceClient) -> None:
    await item(inventory, "BOX-1")
    changed = await ok(await inventory.patch("/items/BOX-1", json={"uom": "box"}), 200)
    assert changed["uom"] == "box"


async def test_uom_change_with_stock_on_hand_is_409_naming_the_field(
    inventory: ServiceClient,
) -> None:
    await warehouse(inventory)
    await item(inventory, "BOX-1")
    await receive(inventory, "BOX-1", "10", "2.00")
    answer = await inventory.patch("/items/BOX-1", json={"uom": "box", "name": "Boxed"})
    assert answer.status_code == 409, answer.text
    problem = answer.json()
    assert problem["field"] == "uom"
    assert "MAIN" in problem["detail"]
    unchanged = await ok(await inventory.get("/items/BOX-1"), 200)
    assert unchanged["uom"] == "ea" and unchanged["name"] == "Item BOX-1"  # nothing written
    # The same unit, or other fields alone, are fine.
    await ok(await inventory.patch("/items/BOX-1", json={"uom": "ea", "name": "Boxed"}), 200)


async def test_uom_change_after_stock_is_gone_is_allowed(inventory: ServiceClient) -> None:
    await warehouse(inventory)
    await item(inventory, "BOX-1")
    await receive(inventory, "BOX-1", "3", "1.00")
    await ok(await move(inventory, "issue", [{"sku": "BOX-1", "quantity": "3"}]))
    changed = await ok(await inventory.patch("/items/BOX-1", json={"uom": "box"}), 200)
    assert changed["uom"] == "box"
