"""Builders for inventory test data through the public API."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from sqlalchemy import select

from erp.contracts.wire import Payload
from erp.platform import calendar
from erp.platform.events.envelope import Event
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


def days_ago(days: int) -> str:
    """A posting date `days` before today in the company's zone, as the API takes it."""
    return (calendar.today() - dt.timedelta(days=days)).isoformat()


async def deliver(client: ServiceClient, payload: Payload, *, subject: str = "test") -> None:
    """Hand `payload` to the service's event handlers as the transport would (inbox included)."""
    event = Event(
        id=uuid.uuid4().hex,
        source="erp/finance",
        type=payload.TOPIC,
        subject=subject,
        sequence=1,
        time=dt.datetime.now(dt.UTC),
        data=json.loads(json.dumps(payload.to_data())),
    )
    inbox = client.app.state.runtime.extras["events"].inbox
    outcome = await inbox.deliver([event])
    assert outcome[event.id] is None, outcome[event.id]


async def published(client: ServiceClient, topic: str) -> list[dict[str, Any]]:
    """The `data` of each event of `topic` in the service's outbox, oldest first."""
    table = client.app.state.runtime.metadata.tables["outbox"]
    statement = select(table.c.payload).where(table.c.topic == topic).order_by(table.c.id)
    async with client.app.state.runtime.db.read() as conn:
        return [json.loads(p)["data"] for p in (await conn.execute(statement)).scalars()]
