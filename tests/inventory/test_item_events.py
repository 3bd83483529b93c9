"""Creating or changing an item publishes it as it now is; stock movements carry its unit."""

from __future__ import annotations

from tests.inventory.builders import item, move, ok, published, receive, warehouse
from tests.support.clients import ServiceClient


async def test_item_created_and_updated_publish_item_changed(inventory: ServiceClient) -> None:
    await item(inventory, "BOX-1", reorder_point="5")
    await ok(await inventory.patch("/items/BOX-1", json={"uom": "box", "name": "Boxes"}), 200)
    await ok(await inventory.patch("/items/BOX-1", json={"active": False}), 200)
    refused = await inventory.post("/items", json={"sku": "BOX-1", "name": "x", "uom": "ea"})
    assert refused.status_code == 409
    changes = await published(inventory, "inventory.item-changed")
    assert [(c["sku"], c["name"], c["uom"], c["active"]) for c in changes] == [
        ("BOX-1", "Item BOX-1", "ea", True),
        ("BOX-1", "Boxes", "box", True),
        ("BOX-1", "Boxes", "box", False),
    ], "one per change that took effect, none for the refused create"
    assert changes[0]["reorder_point"].startswith("5")
    assert changes[0]["changed_at"] <= changes[1]["changed_at"] <= changes[2]["changed_at"]


async def test_refused_change_publishes_nothing(inventory: ServiceClient) -> None:
    await warehouse(inventory)
    await item(inventory, "A")
    await receive(inventory, "A", "1", "1")
    assert (await inventory.patch("/items/A", json={"uom": "kg"})).status_code == 409
    assert (await inventory.patch("/items/NOPE", json={"name": "x"})).status_code == 404
    assert len(await published(inventory, "inventory.item-changed")) == 1


async def test_stock_moved_lines_carry_the_items_unit(inventory: ServiceClient) -> None:
    await warehouse(inventory)
    await warehouse(inventory, "SIDE")
    await item(inventory, "A", uom="kg")
    await item(inventory, "B")
    lines = [
        {"sku": "A", "quantity": "2", "unit_cost": "1"},
        {"sku": "B", "quantity": "1", "unit_cost": "1"},
    ]
    await ok(await move(inventory, "receipt", lines))
    transfer = [{"sku": "A", "quantity": "1"}]
    moved = await ok(await move(inventory, "transfer", transfer, to_warehouse="SIDE"))
    await ok(await inventory.post(f"/movements/{moved['id']}/reverse"))
    events = await published(inventory, "inventory.stock-moved")
    assert [[(ln["sku"], ln["uom"]) for ln in m["lines"]] for m in events] == [
        [("A", "kg"), ("B", "ea")],
        [("A", "kg"), ("A", "kg")],
        [("A", "kg"), ("A", "kg")],
    ]
