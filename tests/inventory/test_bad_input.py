"""Every class of bad input: 4xx problem+json naming the field, and nothing written."""

from __future__ import annotations

from typing import Any

import pytest

from tests.inventory.builders import item, receive, warehouse
from tests.support.clients import ServiceClient


async def _setup(client: ServiceClient) -> None:
    await warehouse(client, "MAIN")
    await warehouse(client, "SIDE")
    await item(client, "A")
    await item(client, "NEW")  # never received: no cost known for it
    await receive(client, "A", "5", "1")


def _line(**overrides: Any) -> dict[str, Any]:
    return {"sku": "A", "quantity": "1", **overrides}


BAD_MOVEMENTS = [
    ("wrong type", {"type": "gift", "warehouse": "MAIN", "lines": [_line()]}, 422, "type"),
    ("missing lines", {"type": "issue", "warehouse": "MAIN"}, 422, "lines"),
    ("empty lines", {"type": "issue", "warehouse": "MAIN", "lines": []}, 422, "lines"),
    (
        "zero quantity",
        {"type": "issue", "warehouse": "MAIN", "lines": [_line(quantity="0")]},
        422,
        "lines.0.quantity",
    ),
    (
        "negative quantity",
        {"type": "issue", "warehouse": "MAIN", "lines": [_line(quantity="-1")]},
        422,
        "lines.0.quantity",
    ),
    (
        "five decimals",
        {"type": "issue", "warehouse": "MAIN", "lines": [_line(quantity="1.00001")]},
        422,
        "lines.0.quantity",
    ),
    (
        "quantity not a number",
        {"type": "issue", "warehouse": "MAIN", "lines": [_line(quantity="lots")]},
        422,
        "lines.0.quantity",
    ),
    (
        "unknown sku",
        {"type": "issue", "warehouse": "MAIN", "lines": [_line(sku="NOPE")]},
        422,
        "lines.0.sku",
    ),
    (
        "unknown warehouse",
        {"type": "issue", "warehouse": "NOWHERE", "lines": [_line()]},
        422,
        "warehouse",
    ),
    (
        "transfer to itself",
        {"type": "transfer", "warehouse": "MAIN", "to_warehouse": "MAIN", "lines": [_line()]},
        422,
        "to_warehouse",
    ),
    (
        "transfer without target",
        {"type": "transfer", "warehouse": "MAIN", "lines": [_line()]},
        422,
        "to_warehouse",
    ),
    (
        "receipt without cost of an item never costed",
        {"type": "receipt", "warehouse": "MAIN", "lines": [_line(), _line(sku="NEW")]},
        422,
        "lines.1.unit_cost",
    ),
    (
        "gain without cost of an item never costed",
        {
            "type": "adjustment",
            "warehouse": "MAIN",
            "reason": "found",
            "lines": [_line(sku="NEW")],
        },
        422,
        "lines.0.unit_cost",
    ),
    (
        "invoice reference",
        {"type": "issue", "warehouse": "MAIN", "reference": "invoice:12", "lines": [_line()]},
        422,
        "reference",
    ),
    (
        "invoice reference in other case",
        {"type": "receipt", "warehouse": "MAIN", "reference": " Invoice:7", "lines": [_line()]},
        422,
        "reference",
    ),
    (
        "posting date after today",
        {"type": "issue", "warehouse": "MAIN", "posting_date": "2999-01-01", "lines": [_line()]},
        422,
        "posting_date",
    ),
    (
        "posting date not a date",
        {"type": "issue", "warehouse": "MAIN", "posting_date": "tomorrow", "lines": [_line()]},
        422,
        "posting_date",
    ),
    (
        "negative cost",
        {"type": "receipt", "warehouse": "MAIN", "lines": [_line(unit_cost="-1")]},
        422,
        "lines.0.unit_cost",
    ),
    (
        "adjustment without reason",
        {"type": "adjustment", "warehouse": "MAIN", "lines": [_line()]},
        422,
        "reason",
    ),
    (
        "unknown field",
        {"type": "issue", "warehouse": "MAIN", "lines": [_line()], "note": "x"},
        422,
        "note",
    ),
    (
        "unknown transfer target",
        {"type": "transfer", "warehouse": "MAIN", "to_warehouse": "NOWHERE", "lines": [_line()]},
        422,
        "to_warehouse",
    ),
]


@pytest.mark.parametrize(
    ("case", "body", "status", "field"), BAD_MOVEMENTS, ids=[c[0] for c in BAD_MOVEMENTS]
)
async def test_bad_movement_is_refused_naming_the_field(
    inventory: ServiceClient, case: str, body: dict[str, Any], status: int, field: str
) -> None:
    await _setup(inventory)
    before = (await inventory.get("/movements")).json()["items"]
    response = await inventory.post("/movements", json=body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert {"type", "title", "status", "detail"} <= set(problem)
    assert field in [e["field"] for e in problem.get("errors", [])], problem
    assert (await inventory.get("/movements")).json()["items"] == before


async def test_malformed_json_is_400(inventory: ServiceClient) -> None:
    response = await inventory.post(
        "/movements", content=b'{"type": "issue", ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "body"


async def test_body_over_one_mebibyte_is_413(inventory: ServiceClient) -> None:
    response = await inventory.post(
        "/items", content=b"x" * (1024 * 1024 + 1), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


async def test_streamed_body_over_limit_is_413(inventory: ServiceClient) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(20):
            yield b" " * 65536

    response = await inventory.post(
        "/items", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


async def test_duplicate_sku_is_409_naming_sku(inventory: ServiceClient) -> None:
    await item(inventory, "DUP")
    response = await inventory.post("/items", json={"sku": "DUP", "name": "again", "uom": "ea"})
    assert response.status_code == 409
    assert response.json()["field"] == "sku"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "eyJ4IjoxfQ"}, "cursor"),  # valid base64 JSON, wrong shape
        ({"as_of": "yesterday"}, "as_of"),
        ({"limit": "0"}, "limit"),
        ({"limit": "100000"}, "limit"),
    ],
)
async def test_bad_query_values_are_422(
    inventory: ServiceClient, params: dict[str, str], field: str
) -> None:
    response = await inventory.get("/stock", params=params)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]


async def test_bad_movement_filters_are_422(inventory: ServiceClient) -> None:
    bad_type = await inventory.get("/movements", params={"type": "gift"})
    assert bad_type.status_code == 422
    reversed_range = await inventory.get(
        "/movements", params={"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}
    )
    assert reversed_range.status_code == 422
    assert reversed_range.json()["errors"][0]["field"] == "from"


async def test_unknown_resources_are_404_problems(inventory: ServiceClient) -> None:
    for path in (
        "/items/NOPE",
        "/warehouses/NOPE",
        "/movements/999",
        "/reservations/999",
        "/no-such-route",
    ):
        response = await inventory.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "application/problem+json"
