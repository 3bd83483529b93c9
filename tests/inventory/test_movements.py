"""The stock ledger through the API: receipts, issues, transfers, adjustments, reversals."""

from __future__ import annotations

from decimal import Decimal

from tests.inventory.builders import item, move, ok, receive, stock, warehouse
from tests.support.clients import ServiceClient


async def test_receipt_then_issue_values_at_moving_average(inventory: ServiceClient) -> None:
    await warehouse(inventory)
    await item(inventory, "A")
    await receive(inventory, "A", "10", "2.50")
    await receive(inventory, "A", "3", "3.3333")  # value 10.00 (9.9999 rounded to cents)
    issued = await ok(await move(inventory, "issue", [{"sku": "A", "quantity": "7"}]))

    line = issued["lines"][0]
    assert Decimal(line["quantity"]) == -7
    # average 35.00 / 13 = 2.6923...; 7 x 2.6923 = 18.8461 -> 18.85
    assert Decimal(line["value"]) == Decimal("-18.85")
    position = await stock(inventory, "A")
    assert Decimal(position["on_hand"]) == 6
    assert Decimal(position["value"]) == Decimal("16.15")
    assert isinstance(position["value"], str), "decimals travel as strings"


async def test_issuing_everything_takes_all_remaining_value(inventory: ServiceClient) -> None:
    await warehouse(inventory)
    await item(inventory, "A")
    await receive(inventory, "A", "3", "0.3333")  # 0.9999 -> 1.00
    await ok(await move(inventory, "issue", [{"sku": "A", "quantity": "1"}]))
    await ok(await move(inventory, "issue", [{"sku": "A", "quantity": "2"}]))
    position = await stock(inventory, "A")
    assert Decimal(position["on_hand"]) == 0
    assert Decimal(position["value"]) == 0, "no rounding residue may stay behind"


async def test_issue_beyond_stock_is_409_naming_sku_and_quantities(
    inventory: ServiceClient,
) -> None:
    await warehouse(inventory)
    await item(inventory, "A")
    await receive(inventory, "A", "2", "1")
    response = await move(inventory, "issue", [{"sku": "A", "quantity": "5"}])
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["sku"] == "A" and problem["warehouse"] == "MAIN"
    assert Decimal(problem["requested"]) == 5 and Decimal(problem["available"]) == 2
    assert Decimal((await stock(inventory, "A"))["on_hand"]) == 2, "nothing written"


async def test_warehouse_may_allow_negative_stock(inventory: ServiceClient) -> None:
    await warehouse(inventory, "NEG", allow_negative=True)
    await item(inventory, "A")
    await receive(inventory, "A", "1", "4", warehouse="NEG")
    await ok(await move(inventory, "issue", [{"sku": "A", "quantity": "3"}], warehouse="NEG"))
    position = await stock(inventory, "A", warehouse="NEG")
    assert Decimal(position["on_hand"]) == -2
    assert Decimal(position["value"]) == Decimal("-8.00")


async def test_transfer_moves_quantity_and_value(inventory: ServiceClient) -> None:
    await warehouse(inventory, "A1")
    await warehouse(inventory, "B1")
    await item(inventory, "X")
    await receive(inventory, "X", "4", "2.5", warehouse="A1")
    moved = await ok(
        await move(
            inventory,
            "transfer",
            [{"sku": "X", "quantity": "1.5"}],
            warehouse="A1",
            to_warehouse="B1",
        )
    )
    assert [Decimal(ln["quantity"]) for ln in moved["lines"]] == [Decimal("-1.5"), Decimal("1.5")]
    source, target = await stock(inventory, "X", "A1"), await stock(inventory, "X", "B1")
    assert Decimal(source["on_hand"]) == Decimal("2.5")
    assert Decimal(target["on_hand"]) == Decimal("1.5")
    assert Decimal(source["value"]) + Decimal(target["value"]) == Decimal("10.00")


async def test_adjustment_gain_and_loss(inventory: ServiceClient) -> None:
    await warehouse(inventory)
    await item(inventory, "A")
    await receive(inventory, "A", "10", "1")
    await ok(
        await move(inventory, "adjustment", [{"sku": "A", "quantity": "-2"}], reason="damaged")
    )
    await ok(
        await move(
            inventory, "adjustment", [{"sku": "A", "quantity": "1"}], reason="found in count"
        )
    )
    position = await stock(inventory, "A")
    assert Decimal(position["on_hand"]) == 9
    assert Decimal(position["value"]) == Decimal("9.00")


async def test_reversal_restores_position_and_cannot_repeat(inventory: ServiceClient) -> None:
    await warehouse(inventory)
    await item(inventory, "A")
    await receive(inventory, "A", "5", "2")
    issued = await ok(await move(inventory, "issue", [{"sku": "A", "quantity": "2"}]))
    reversal = await ok(
        await inventory.post(f"/movements/{issued['id']}/reverse", json={"reason": "wrong item"})
    )
    assert reversal["reverses"] == issued["id"]
    position = await stock(inventory, "A")
    assert (Decimal(position["on_hand"]), Decimal(position["value"])) == (5, Decimal("10.00"))
    again = await inventory.post(f"/movements/{issued['id']}/reverse")
    assert again.status_code == 409
    assert again.json()["reversed_by"] == reversal["id"]
    original = await ok(await inventory.get(f"/movements/{issued['id']}"), 200)
    assert original["reversed_by"] == reversal["id"]
    of_reversal = await inventory.post(f"/movements/{reversal['id']}/reverse")
    assert of_reversal.status_code == 409


async def test_reversing_a_consumed_receipt_is_refused(inventory: ServiceClient) -> None:
    await warehouse(inventory)
    await item(inventory, "A")
    received = await receive(inventory, "A", "5", "2")
    await ok(await move(inventory, "issue", [{"sku": "A", "quantity": "4"}]))
    response = await inventory.post(f"/movements/{received['id']}/reverse")
    assert response.status_code == 409
    assert response.json()["slug" if False else "type"].endswith("insufficient-stock")


async def test_multi_line_movement_is_all_or_nothing(inventory: ServiceClient) -> None:
    await warehouse(inventory)
    await item(inventory, "A")
    await item(inventory, "B")
    await receive(inventory, "A", "5", "1")
    response = await move(
        inventory, "issue", [{"sku": "A", "quantity": "1"}, {"sku": "B", "quantity": "1"}]
    )
    assert response.status_code == 409
    assert Decimal((await stock(inventory, "A"))["on_hand"]) == 5
    listed = await ok(await inventory.get("/movements", params={"type": "issue"}), 200)
    assert listed["items"] == []


async def test_stock_as_of_a_past_moment(inventory: ServiceClient) -> None:
    await warehouse(inventory)
    await item(inventory, "A")
    first = await receive(inventory, "A", "10", "1")
    second = await receive(inventory, "A", "10", "3")
    between = first["posted_at"]
    past = await stock(inventory, "A", as_of=between)
    assert (Decimal(past["on_hand"]), Decimal(past["value"])) == (10, Decimal("10.00"))
    now = await stock(inventory, "A", as_of=second["posted_at"])
    assert (Decimal(now["on_hand"]), Decimal(now["unit_cost"])) == (20, Decimal("2.0000"))
    before_everything = await ok(
        await inventory.get("/stock", params={"as_of": "2000-01-01T00:00:00Z"}), 200
    )
    assert before_everything["items"] == []


async def test_movements_list_filters_and_paginates(inventory: ServiceClient) -> None:
    await warehouse(inventory)
    await item(inventory, "A")
    await item(inventory, "B")
    for _ in range(3):
        await receive(inventory, "A", "1", "1")
    await receive(inventory, "B", "1", "1")
    page = await ok(await inventory.get("/movements", params={"sku": "A", "limit": 2}), 200)
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = await ok(
        await inventory.get(
            "/movements", params={"sku": "A", "limit": 2, "cursor": page["next_cursor"]}
        ),
        200,
    )
    ids = [m["id"] for m in page["items"] + rest["items"]]
    assert len(ids) == 3 == len(set(ids)) and rest["next_cursor"] is None
    assert ids == sorted(ids, reverse=True)
