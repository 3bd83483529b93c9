"""Builders for inventory test data through the public API."""

from __future__ import annotations

from typing import Any

from tests.support.clients import ServiceClient


async def ok(response: Any, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json()  # type: ignore[no-any-return]


async def warehouse(client: ServiceClient, code: str = "MAIN", **extra: Any) -> dict[str, Any]:
    return await ok(await client.post("/warehouses", json={"code": code, "name": code, **extra}))


async def item(client: ServiceClient, sku: str = "SKU-1", **extra: Any) -> dict[str, Any]:
    body = {"sku": sku, "name": f"Item {sku}", "uom": "ea", **extra}
    return await ok(await client.post("/items", json=body))


async def move(
    client: ServiceClient,
    type_: str,
    lines: list[dict[str, Any]],
    warehouse: str = "MAIN",
    **extra: Any,
) -> Any:
    body = {"type": type_, "warehouse": warehouse, "lines": lines, **extra}
    return await client.post("/movements", json=body)


async def receive(
    client: ServiceClient, sku: str, qty: str, cost: str, warehouse: str = "MAIN"
) -> dict[str, Any]:
    return await ok(
        await move(client, "receipt", [{"sku": sku, "quantity": qty, "unit_cost": cost}], warehouse)
    )


async def stock(
    client: ServiceClient, sku: str, warehouse: str = "MAIN", **params: str
) -> dict[str, Any]:
    body = await ok(
        await client.get("/stock", params={"sku": sku, "warehouse": warehouse, **params}), 200
    )
    assert len(body["items"]) <= 1
    return body["items"][0] if body["items"] else {}
