"""Across real processes on PostgreSQL with the Redis Streams transport: receive stock, issue
an invoice, watch inventory issue the goods and finance post COGS, pay it, and `erp finance
verify` agrees with inventory's valuation. Reporting follows the same events."""

from __future__ import annotations

import asyncio
import os
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from erp import registry
from erp.platform.auth import mint_token
from tests.support.databases import PostgresFactory
from tests.support.processes import ErpProcess, erp_command, erp_process, wait_until

SECRET = "e2e-secret-0123456789-0123456789-0123456789"


@pytest.fixture
def system(postgres: PostgresFactory, redis_url: str, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """inventory, finance and reporting as separate processes sharing one Redis stream prefix."""
    prefix = f"erp:e2e:{uuid.uuid4().hex[:8]}:"
    urls = {
        name: asyncio.run(postgres.fresh(registry.load(name)))
        for name in ("inventory", "finance", "reporting")
    }
    base = {
        "ERP_JWT_SECRET": SECRET,
        "ERP_EVENT_TRANSPORT": "redis",
        "ERP_REDIS_URL": redis_url,
        "ERP_EVENT_STREAM_PREFIX": prefix,
        "ERP_DATA_DIR": str(tmp_path),
        "ERP_SHUTDOWN_DELAY_SECONDS": "0",
        "ERP_DRAIN_TIMEOUT_SECONDS": "5",
    }
    with ExitStack() as stack:
        procs: dict[str, ErpProcess] = {}
        inventory = stack.enter_context(
            erp_process(
                ["serve", "inventory"], {**base, "ERP_DATABASE_URL": urls["inventory"]}, tmp_path
            )
        )
        procs["inventory"] = inventory
        for name in ("finance", "reporting"):
            procs[name] = stack.enter_context(
                erp_process(
                    ["serve", name],
                    {**base, "ERP_DATABASE_URL": urls[name], "ERP_INVENTORY_URL": inventory.url},
                    tmp_path,
                )
            )
        for proc in procs.values():
            proc.wait_ready()
        yield {"procs": procs, "env": base, "urls": urls}
        stack.close()
        for proc in procs.values():
            assert proc.proc.returncode == 0, proc.log.read_text()[-2000:]


@contextmanager
def _client(proc: ErpProcess) -> Iterator[httpx.Client]:
    token = mint_token(SECRET, subject="e2e", roles=["admin"])
    with httpx.Client(
        base_url=proc.url, headers={"Authorization": f"Bearer {token}"}, timeout=10
    ) as client:
        yield client


def _ok(response: httpx.Response, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _balance(finance: httpx.Client, account: str) -> Decimal:
    rows = _ok(finance.get("/trial-balance"), 200)["rows"]
    row = next((r for r in rows if r["account"] == account), None)
    return Decimal(row["balance"]) if row else Decimal(0)


def test_stock_invoice_cogs_payment_and_verify(system: dict[str, Any]) -> None:
    procs = system["procs"]
    with (
        _client(procs["inventory"]) as inventory,
        _client(procs["finance"]) as finance,
        _client(procs["reporting"]) as reporting,
    ):
        _ok(inventory.post("/warehouses", json={"code": "MAIN", "name": "Main"}))
        _ok(inventory.post("/items", json={"sku": "LAMP", "name": "Lamp", "uom": "ea"}))
        _ok(
            inventory.post(
                "/movements",
                json={
                    "type": "receipt",
                    "warehouse": "MAIN",
                    "lines": [{"sku": "LAMP", "quantity": "10", "unit_cost": "12.50"}],
                },
            )
        )
        # Finance posts the receipt from inventory's event: inventory 125.00 against GRNI.
        assert wait_until(lambda: _balance(finance, "1300") == Decimal("125.00"), 20)

        _ok(finance.post("/customers", json={"code": "ACME", "name": "ACME Ltd"}))
        invoice = _ok(
            finance.post(
                "/invoices",
                json={
                    "customer": "ACME",
                    "lines": [
                        {
                            "sku": "LAMP",
                            "warehouse": "MAIN",
                            "quantity": "4",
                            "unit_price": "30",
                            "tax_rate": "10",
                        }
                    ],
                },
            )
        )
        # Issuing asks inventory for the goods (202, pending); once they left stock finance
        # posts the sale and COGS at 12.50 a lamp, and the invoice is issued.
        pending = finance.post(f"/invoices/{invoice['id']}/issue", json={})
        assert pending.status_code == 202, pending.text
        assert pending.json()["status"] == "pending"
        assert pending.headers["location"] == f"../{invoice['id']}"

        def invoice_status() -> str:
            return str(_ok(finance.get(f"/invoices/{invoice['id']}"), 200)["status"])

        assert wait_until(lambda: invoice_status() == "issued", 20), invoice_status()
        issued = _ok(finance.get(f"/invoices/{invoice['id']}"), 200)
        assert Decimal(issued["total"]) == Decimal("132.00")

        def stock_on_hand() -> Decimal:
            items = _ok(inventory.get("/stock", params={"sku": "LAMP"}), 200)["items"]
            return Decimal(items[0]["on_hand"])

        assert wait_until(lambda: stock_on_hand() == 6, 20)
        assert wait_until(lambda: _balance(finance, "5000") == Decimal("50.00"), 20)
        assert _balance(finance, "1300") == Decimal("75.00")

        _ok(finance.post("/payments", json={"invoice": invoice["id"], "amount": "132.00"}))
        paid = _ok(finance.get(f"/invoices/{invoice['id']}"), 200)
        assert paid["status"] == "paid" and Decimal(paid["open_amount"]) == 0
        trial = _ok(finance.get("/trial-balance"), 200)
        assert Decimal(trial["total_debit"]) == Decimal(trial["total_credit"])

        # Reporting saw the same events: its valuation and inventory account agree.
        def reconciled() -> bool:
            body = reporting.get("/reports/reconciliation").json()
            return (
                body.get("status") == "reconciled"
                or body.get("totals", {}).get("status") == "reconciled"
            )

        assert wait_until(reconciled, 20), reporting.get("/reports/reconciliation").text

    verify = subprocess.run(
        erp_command("finance", "verify"),
        env={
            **os.environ,
            **system["env"],
            "ERP_DATABASE_URL": system["urls"]["finance"],
            "ERP_INVENTORY_URL": procs["inventory"].url,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    for proc in procs.values():
        proc.terminate()
    for proc in procs.values():
        proc.proc.wait(timeout=20)
