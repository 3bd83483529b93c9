"""Every number a client sends either fits the columns on both databases or is a 422 naming
its field; sums that would outgrow a stock position are refused, never a 500."""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import Any

from tests.inventory.builders import item, move, ok, receive, stock, warehouse
from tests.support.clients import ServiceClient

TOO_BIG_INT = 9223372036854775808  # one past the largest BIGINT
LARGEST = "99999999999999.9999"


async def _setup(client: ServiceClient) -> None:
    await warehouse(client)
    await item(client, "A")
    await receive(client, "A", "5", "1")


def _field(response: Any) -> str:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return str(response.json()["errors"][0]["field"])


async def test_reorder_point_out_of_range_is_422(inventory: ServiceClient) -> None:
    await item(inventory, "B")
    for value in ("1e15", 1e30, TOO_BIG_INT, "1.00001", "1e-5", "NaN", "-1"):
        response = await inventory.post(
            "/items", json={"sku": "C", "name": "C", "uom": "ea", "reorder_point": value}
        )
        assert _field(response) == "reorder_point", value
        patched = await inventory.patch("/items/B", json={"reorder_point": value})
        assert _field(patched) == "reorder_point", value


async def test_reorder_point_extremes_that_fit_are_kept(inventory: ServiceClient) -> None:
    for i, (value, stored) in enumerate(
        [("-0", "0.0000"), (LARGEST, LARGEST), ("1e13", "10000000000000.0000")]
    ):
        body = {"sku": f"B{i}", "name": "B", "uom": "ea", "reorder_point": value}
        created = await ok(await inventory.post("/items", json=body))
        assert created["reorder_point"] == stored
        assert (await ok(await inventory.get(f"/items/B{i}"), 200))["reorder_point"] == stored


BAD_LINES: list[tuple[dict[str, Any], str]] = [
    ({"quantity": "1e15", "unit_cost": "1"}, "lines.0.quantity"),
    ({"quantity": 1e30, "unit_cost": "1"}, "lines.0.quantity"),
    ({"quantity": TOO_BIG_INT, "unit_cost": "1"}, "lines.0.quantity"),
    ({"quantity": "1.123456789", "unit_cost": "1"}, "lines.0.quantity"),
    ({"quantity": "Infinity", "unit_cost": "1"}, "lines.0.quantity"),
    ({"quantity": "1", "unit_cost": "1e15"}, "lines.0.unit_cost"),
    ({"quantity": "1", "unit_cost": TOO_BIG_INT}, "lines.0.unit_cost"),
    ({"quantity": "1", "unit_cost": "0.00001"}, "lines.0.unit_cost"),
    (
        {"quantity": "1", "unit_cost": "1", "reservation_id": TOO_BIG_INT},
        "lines.0.reservation_id",
    ),
    # Each fits, their product does not fit a ledger line's value.
    ({"quantity": "1000", "unit_cost": LARGEST}, "lines.0.quantity"),
    # The value rounds up to cents: per unit that passes the largest unit cost.
    ({"quantity": "0.0001", "unit_cost": LARGEST}, "lines.0.quantity"),
]


async def test_receipt_line_out_of_range_is_422(inventory: ServiceClient) -> None:
    await _setup(inventory)
    for line, field in BAD_LINES:
        response = await move(inventory, "receipt", [{"sku": "A", **line}])
        assert _field(response) == field, line
    assert Decimal((await stock(inventory, "A"))["on_hand"]) == 5, "nothing written"


async def test_largest_quantity_fits_and_the_next_receipt_is_409(inventory: ServiceClient) -> None:
    await warehouse(inventory)
    await item(inventory, "A")
    first = await ok(
        await move(inventory, "receipt", [{"sku": "A", "quantity": LARGEST, "unit_cost": "1"}])
    )
    assert first["lines"][0]["on_hand_after"] == LARGEST
    again = await move(inventory, "receipt", [{"sku": "A", "quantity": "1", "unit_cost": "1"}])
    assert again.status_code == 409, again.text
    problem = again.json()
    assert problem["type"].endswith("/capacity-exceeded")
    assert (problem["measure"], problem["field"], problem["sku"]) == (
        "on_hand",
        "lines.0.quantity",
        "A",
    )
    assert (await stock(inventory, "A"))["on_hand"] == LARGEST


async def test_stock_value_past_what_a_position_holds_is_409(inventory: ServiceClient) -> None:
    await warehouse(inventory)
    await item(inventory, "A")
    line = [{"sku": "A", "quantity": "99999999", "unit_cost": "99999999"}]
    first = await ok(await move(inventory, "receipt", line))
    assert first["lines"][0]["value"] == "9999999800000001.00"
    again = await move(inventory, "receipt", line)
    assert again.status_code == 409, again.text
    assert again.json()["measure"] == "value"
    # The same through a reversal that gives back what was issued in between.
    issued = await ok(await move(inventory, "issue", [{"sku": "A", "quantity": "99999999"}]))
    await ok(await move(inventory, "receipt", line))
    back = await inventory.post(f"/movements/{issued['id']}/reverse")
    assert back.status_code == 409, back.text
    assert back.json()["measure"] in ("on_hand", "value")


async def test_negative_zero_is_plain_zero(inventory: ServiceClient) -> None:
    await warehouse(inventory)
    await item(inventory, "A")
    free = await ok(
        await move(inventory, "receipt", [{"sku": "A", "quantity": "2", "unit_cost": "-0"}])
    )
    assert (free["lines"][0]["unit_cost"], free["lines"][0]["value"]) == ("0.0000", "0.00")
    back = await ok(await inventory.post(f"/movements/{free['id']}/reverse"))
    assert (back["lines"][0]["value"], back["lines"][0]["value_after"]) == ("0.00", "0.00")
    zero = await move(inventory, "adjustment", [{"sku": "A", "quantity": "-0"}], reason="x")
    assert _field(zero) == "lines.0.quantity"


async def test_reservation_numbers_out_of_range_are_422(inventory: ServiceClient) -> None:
    await _setup(inventory)
    body = {"sku": "A", "warehouse": "MAIN", "quantity": "1"}
    for extra, field in [
        ({"quantity": "1e15"}, "quantity"),
        ({"quantity": TOO_BIG_INT}, "quantity"),
        ({"quantity": "-0"}, "quantity"),
        ({"expires_in_seconds": TOO_BIG_INT}, "expires_in_seconds"),
        ({"expires_in_seconds": 1e30}, "expires_in_seconds"),
        ({"expires_at": "99999-01-01T00:00:00Z"}, "expires_at"),
    ]:
        assert _field(await inventory.post("/reservations", json={**body, **extra})) == field


OUT_OF_RANGE = [
    ("GET", f"/movements/{TOO_BIG_INT}", {}),
    ("GET", "/movements/0", {}),
    ("POST", f"/movements/{TOO_BIG_INT}/reverse", {}),
    ("GET", f"/reservations/{TOO_BIG_INT}", {}),
    ("POST", f"/reservations/{TOO_BIG_INT}/release", {}),
    ("GET", "/movements", {"limit": str(TOO_BIG_INT)}),
    ("GET", "/stock", {"limit": "-1"}),
    ("GET", "/stock", {"as_of": "9999-12-31T23:59:59-05:00"}),
    ("GET", "/movements", {"from": "99999-01-01"}),
    (
        "GET",
        "/movements",
        {"cursor": base64.urlsafe_b64encode(json.dumps({"id": 2**70}).encode()).decode()},
    ),
]


async def test_ids_and_limits_out_of_range_are_422(inventory: ServiceClient) -> None:
    for method, path, params in OUT_OF_RANGE:
        response = await inventory.request(method, path, params=params)
        assert response.status_code == 422, (path, params, response.text)


async def test_reverse_body_dates_out_of_range_are_422(inventory: ServiceClient) -> None:
    await _setup(inventory)
    listed = await ok(await inventory.get("/movements"), 200)
    movement_id = listed["items"][0]["id"]
    for value in ("99999-01-01", "2026-02-30", TOO_BIG_INT):
        response = await inventory.post(
            f"/movements/{movement_id}/reverse", json={"posting_date": value}
        )
        assert _field(response) == "posting_date"
