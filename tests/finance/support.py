"""Builders for the finance tests: running services in-process and moving their events."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from erp.finance.inventory_client import LOCAL_INVENTORY, Get
from erp.platform.auth import mint_token
from erp.platform.db import Database
from erp.platform.events.envelope import Event
from erp.platform.service import ServiceSpec

SECRET = "finance-tests-secret-0123456789abcdef"
SNAPSHOT_TABLES = (
    "journal_entries",
    "journal_lines",
    "invoices",
    "invoice_lines",
    "payments",
    "goods_receipts",
    "bills",
    "bill_lines",
    "supplier_payments",
    "debit_notes",
    "debit_note_lines",
    "tax_codes",
    "parties",
    "credit_overrides",
    "credit_notes",
    "credit_note_lines",
    "credit_note_settlements",
    "period_closes",
    "outbox",
    "accounts",
    "idempotency_keys",
)


def auth(role: str = "accountant") -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(SECRET, subject=role, roles=[role])}"}


@dataclass
class Service:
    """One service app with its lifespan entered, an HTTP client and its database."""

    spec: ServiceSpec
    app: FastAPI
    client: httpx.AsyncClient
    pumped: set[str] = field(default_factory=set)  # outbox events `pump` has handed on

    @property
    def db(self) -> Database:
        db: Database = self.app.state.runtime.db
        return db

    async def post(
        self, path: str, body: Any = None, *, role: str = "accountant", **kw: Any
    ) -> httpx.Response:
        headers = {**auth(role), **kw.pop("headers", {})}
        return await self.client.post(path, json=body, headers=headers, **kw)

    async def patch(self, path: str, body: Any, *, role: str = "accountant") -> httpx.Response:
        return await self.client.patch(path, json=body, headers=auth(role))

    async def get(self, path: str, *, role: str = "accountant", **kw: Any) -> httpx.Response:
        return await self.client.get(path, headers=auth(role), **kw)

    async def ok(self, method: str, path: str, body: Any = None, **kw: Any) -> Any:
        response = await (self.post(path, body, **kw) if method == "POST" else self.get(path))
        assert response.status_code < 300, (path, response.status_code, response.text)
        return response.json()

    async def snapshot(self) -> dict[str, Any]:
        """Every row of the finance tables that a refused request must leave untouched."""
        tables = self.spec.migrations.metadata.tables
        result: dict[str, Any] = {}
        async with self.db.read() as conn:
            for name in SNAPSHOT_TABLES:
                table = tables[name]
                if name == "accounts":
                    rows = await conn.execute(select(table).order_by(table.c.code))
                    result[name] = [tuple(r) for r in rows]
                else:
                    count = await conn.execute(select(func.count()).select_from(table))
                    result[name] = count.scalar_one()
        return result


def asgi_get(app: FastAPI) -> Get:
    """GETs answered by `app` itself in this process (httpx's ASGI transport): how `erp up`
    lets finance ask the inventory app beside it."""

    async def get(
        path: str, params: Mapping[str, str], headers: Mapping[str, str]
    ) -> tuple[int, bytes]:
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://inventory") as client:
            response = await client.get(path, params=dict(params), headers=dict(headers))
        return response.status_code, response.content

    return get


def link(finance: Service, inventory: Service) -> None:
    """Let finance check invoice lines against this inventory, as the embedded system does."""
    finance.app.state.runtime.extras[LOCAL_INVENTORY] = asgi_get(inventory.app)


async def add_customers(service: Service, *codes: str, **terms: Any) -> None:
    """Customers named `<code> Ltd`, on the default terms unless `terms` are given."""
    for code in codes:
        await service.ok("POST", "/customers", {"code": code, "name": f"{code} Ltd", **terms})


def problem(response: httpx.Response, status: int, *words: str) -> dict[str, Any]:
    """Assert a problem+json answer with `status` whose text names every word."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    text = json.dumps(body).lower()
    for word in words:
        assert word.lower() in text, (word, body)
    return body


async def pump(*services: Service) -> int:
    """Deliver every outbox event of each service to the inboxes of the others that subscribe
    to it, until nothing new is left. Returns the number of deliveries.

    Events are tracked by id, not by `published_at`: a publisher running as its own process
    has a relay that marks rows published without any of these services having seen them."""
    delivered = 0
    while True:
        moved = 0
        for source in services:
            outbox = source.spec.migrations.metadata.tables["outbox"]
            async with source.db.read() as conn:
                rows = (
                    await conn.execute(
                        select(outbox.c.event_id, outbox.c.payload).order_by(outbox.c.id)
                    )
                ).all()
            for row in rows:
                if row.event_id in source.pumped:
                    continue
                source.pumped.add(row.event_id)
                event = Event.from_json(row.payload)
                moved += 1
                for target in services:
                    if target is not source and event.type in target.spec.subscriptions:
                        # Through the service's inbox, so a second delivery has no effect.
                        inbox = target.app.state.runtime.extras["events"].inbox
                        failures = await inbox.deliver([event])
                        assert failures[event.id] is None, failures[event.id]
                        delivered += 1
        if not moved:
            return delivered


async def published(service: Service, topic: str) -> list[dict[str, Any]]:
    """The data of every event of `topic` in the service's outbox, oldest first."""
    outbox = service.spec.migrations.metadata.tables["outbox"]
    async with service.db.read() as conn:
        rows = await conn.execute(
            select(outbox.c.payload).where(outbox.c.topic == topic).order_by(outbox.c.id)
        )
        return [Event.from_json(row.payload).data for row in rows]


def dec(value: Any) -> Decimal:
    return Decimal(str(value))
