"""An invoice names items and warehouses that inventory knows: checked at creation, with the
caller's token, against the inventory app in this process or over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from erp.finance.main import SPEC as FINANCE
from tests.finance.conftest import _start, free_port
from tests.finance.support import Service, add_customers, auth, problem
from tests.finance.test_invoices import add_items, invoice_body, setup_stock


def two_lines(first: tuple[str, str], second: tuple[str, str]) -> dict[str, Any]:
    """An invoice of two lines given as (sku, warehouse)."""
    body = invoice_body(("x", "1", "10.00", "0"), ("x", "2", "5.00", "0"))
    for line, (sku, warehouse) in zip(body["lines"], (first, second), strict=True):
        line.update(sku=sku, warehouse=warehouse)
    return body


async def test_unknown_or_inactive_items_and_warehouses_are_refused_at_creation(
    finance: Service, inventory: Service
) -> None:
    await setup_stock(inventory, ("W-1", "10", "1.00"), ("W-2", "10", "1.00"))
    await inventory.ok("POST", "/warehouses", {"code": "OLD", "name": "Old"}, role="warehouse")
    for path in ("/items/W-2", "/warehouses/OLD"):
        closed = await inventory.client.patch(
            path, json={"active": False}, headers=auth("warehouse")
        )
        assert closed.status_code == 200, closed.text
    before = await finance.snapshot()
    cases = [
        (("NOPE", "MAIN"), ("W-1", "MAIN"), "lines.0.sku", "unknown item 'NOPE'"),
        (("W-1", "MAIN"), ("W-1", "NOWHERE"), "lines.1.warehouse", "unknown warehouse"),
        (("W-1", "MAIN"), ("W-2", "MAIN"), "lines.1.sku", "inactive"),
        (("W-1", "OLD"), ("W-1", "MAIN"), "lines.0.warehouse", "inactive"),
        (("BOX/13", "MAIN"), ("W-1", "MAIN"), "lines.0.sku", "unknown item 'BOX/13'"),
    ]
    for first, second, field, words in cases:
        body = problem(await finance.post("/invoices", two_lines(first, second)), 422, words)
        assert [e["field"] for e in body["errors"]] == [field]
    assert await finance.snapshot() == before
    created = await finance.ok("POST", "/invoices", two_lines(("W-1", "MAIN"), ("W-1", "MAIN")))
    assert created["status"] == "draft"


async def test_a_sku_with_a_slash_is_found(finance: Service, inventory: Service) -> None:
    await setup_stock(inventory, ("W-1", "10", "1.00"))
    await add_items(inventory, "BOX/12")
    created = await finance.ok("POST", "/invoices", invoice_body(("BOX/12", "1", "3.00", "0")))
    assert [ln["sku"] for ln in created["lines"]] == ["BOX/12"]


async def test_without_an_inventory_to_ask_nothing_is_written(finance: Service) -> None:
    before = await finance.snapshot()
    body = problem(
        await finance.post("/invoices", invoice_body(("W-1", "1", "1.00", "0"))),
        503,
        "inventory",
        "ERP_INVENTORY_URL",
    )
    assert body["service"] == "inventory"
    assert await finance.snapshot() == before


@pytest.fixture
async def finance_without_inventory(finance_url: str, tmp_path: Path) -> AsyncIterator[Service]:
    """Finance whose ERP_INVENTORY_URL is a port nothing listens on."""
    url = f"http://127.0.0.1:{free_port()}"
    service = await _start(FINANCE, finance_url, tmp_path, inventory_url=url)
    async with service.app.router.lifespan_context(service.app), service.client:
        yield service


async def test_an_unreachable_inventory_is_a_503_and_nothing_is_written(
    finance_without_inventory: Service,
) -> None:
    finance = finance_without_inventory
    before = await finance.snapshot()
    problem(
        await finance.post("/invoices", invoice_body(("W-1", "1", "1.00", "0"))),
        503,
        "inventory",
    )
    assert await finance.snapshot() == before


async def test_over_http_with_the_callers_token(
    inventory: Service, inventory_server: str, finance_url: str, tmp_path: Path
) -> None:
    """Against `erp serve inventory`, which answers only a caller with a token: finance
    passes on the one it was called with."""
    await setup_stock(inventory, ("W-1", "10", "1.00"))
    finance = await _start(FINANCE, finance_url, tmp_path, inventory_url=inventory_server)
    async with finance.app.router.lifespan_context(finance.app), finance.client:
        await add_customers(finance, "ACME")
        created = await finance.ok("POST", "/invoices", invoice_body(("W-1", "2", "3.00", "0")))
        assert created["total"] == "6.0000"
        problem(
            await finance.post("/invoices", invoice_body(("W-9", "2", "3.00", "0"))),
            422,
            "lines.0.sku",
        )
