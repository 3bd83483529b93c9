"""A receipt or gain line without a unit cost comes in at the last known cost, or is refused:
stock is never valued at a zero nobody entered."""

from __future__ import annotations

from decimal import Decimal

from tests.inventory.builders import item, move, ok, receive, stock, warehouse
from tests.support.clients import ServiceClient

GAIN = {"reason": "found in count"}


async def test_gain_without_cost_takes_the_bins_moving_average(inventory: ServiceClient) -> None:
    await warehouse(inventory)
    await item(inventory, "A")
    await receive(inventory, "A", "2", "3")
    await receive(inventory, "A", "2", "5")
    gained = await ok(await move(inventory, "adjustment", [{"sku": "A", "quantity": "1"}], **GAIN))
    assert (gained["lines"][0]["unit_cost"], gained["lines"][0]["value"]) == ("4.0000", "4.00")
    received = await ok(await move(inventory, "receipt", [{"sku": "A", "quantity": "2"}]))
    assert received["lines"][0]["value"] == "8.00"


async def test_empty_bin_takes_its_last_cost_then_the_items_latest_elsewhere(
    inventory: ServiceClient,
) -> None:
    await warehouse(inventory)
    await warehouse(inventory, "SIDE")
    await item(inventory, "A")
    await receive(inventory, "A", "2", "3")
    await ok(await move(inventory, "issue", [{"sku": "A", "quantity": "2"}]))
    again = await ok(await move(inventory, "adjustment", [{"sku": "A", "quantity": "1"}], **GAIN))
    assert again["lines"][0]["unit_cost"] == "3.0000", "the bin's last cost"
    await receive(inventory, "A", "1", "7", warehouse="SIDE")
    elsewhere = await ok(
        await move(inventory, "receipt", [{"sku": "A", "quantity": "1"}], warehouse="SIDE")
    )
    assert elsewhere["lines"][0]["unit_cost"] == "7.0000"
    await warehouse(inventory, "NEW")
    new_bin = await ok(
        await move(
            inventory, "adjustment", [{"sku": "A", "quantity": "1"}], warehouse="NEW", **GAIN
        )
    )
    assert new_bin["lines"][0]["unit_cost"] == "7.0000", "the item's latest cost anywhere"


async def test_gain_of_an_item_never_costed_is_422_asking_for_the_cost(
    inventory: ServiceClient,
) -> None:
    await warehouse(inventory, "NEG", allow_negative=True)
    await item(inventory, "A")
    await item(inventory, "B")
    await receive(inventory, "B", "1", "1", warehouse="NEG")
    # An outflow from a bin that never had a cost is worth nothing, and teaches no cost.
    await ok(await move(inventory, "issue", [{"sku": "A", "quantity": "1"}], warehouse="NEG"))
    lines = [{"sku": "B", "quantity": "1"}, {"sku": "A", "quantity": "1"}]
    refused = await move(inventory, "adjustment", lines, warehouse="NEG", **GAIN)
    assert refused.status_code == 422, refused.text
    error = refused.json()["errors"][0]
    assert error["field"] == "lines.1.unit_cost" and "unit cost" in error["message"]
    assert Decimal((await stock(inventory, "B", "NEG"))["on_hand"]) == 1, "nothing written"
    costed = [{"sku": "A", "quantity": "1", "unit_cost": "0"}]
    free = await ok(await move(inventory, "adjustment", costed, warehouse="NEG", **GAIN))
    assert free["lines"][0]["value"] == "0.00", "a zero given is taken"
