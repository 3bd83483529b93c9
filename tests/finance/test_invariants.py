"""Random sequences of receipts, invoices, issues, payments, reversals and period closes
keep the books right: (a) total debits = total credits, (b) every invoice's open amount equals
its receivable lines, (c) the inventory account equals inventory's valuation once events settle.
Both services run in-process on SQLite; their events are handed over by `pump`."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import tempfile
from contextlib import AsyncExitStack
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from erp.finance.domain.verify import inventory_balance, verify_books
from erp.finance.main import SPEC as FINANCE
from erp.finance.models import journal_lines
from erp.inventory.main import SPEC as INVENTORY
from erp.inventory.models import bins
from tests.finance.conftest import Databases, _start
from tests.finance.support import Service, add_customers, dec, link, pump

SKUS = ("A", "B")
TODAY = dt.datetime.now(dt.UTC).date()
quantities = st.integers(min_value=1, max_value=8).map(str)
costs = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("30"), places=2).map(str)
prices = st.decimals(min_value=Decimal("0"), max_value=Decimal("99"), places=2).map(str)
tax_rates = st.sampled_from(["0", "7.5", "20"])
currencies = st.sampled_from(
    [("USD", None, None), ("EUR", "1.0837", "1.1"), ("JPY", "0.0067", None)]
)


class Books(RuleBasedStateMachine):
    databases: Databases
    root: Path

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.stack = AsyncExitStack()
        self.invoices: list[int] = []
        self.movements: list[int] = []

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    @initialize()
    def start(self) -> None:
        urls = {spec.name: self.databases.fresh("sqlite", spec) for spec in (FINANCE, INVENTORY)}

        async def start() -> tuple[Service, Service]:
            services = []
            for spec in (FINANCE, INVENTORY):
                url = urls[spec.name]
                service = await _start(spec, url, self.root)
                await self.stack.enter_async_context(
                    service.app.router.lifespan_context(service.app)
                )
                await self.stack.enter_async_context(service.client)
                services.append(service)
            return services[0], services[1]

        self.finance, self.inventory = self.run(start())
        link(self.finance, self.inventory)
        self.run(add_customers(self.finance, "C1"))
        self.run(
            self.inventory.ok("POST", "/warehouses", {"code": "MAIN", "name": "Main"}, role="admin")
        )
        for sku in SKUS:
            item = {"sku": sku, "name": sku, "uom": "pcs"}
            self.run(self.inventory.ok("POST", "/items", item, role="admin"))

    def teardown(self) -> None:
        if hasattr(self, "finance"):
            self.settle()
        self.run(self.stack.aclose())
        self.loop.close()

    def _movement(self, body: dict[str, Any]) -> None:
        response = self.run(self.inventory.post("/movements", body, role="warehouse"))
        # A gain of an item never received has no cost to come in at.
        unpriced = response.status_code == 422 and "no cost is known" in response.text
        assert response.status_code in (201, 409) or unpriced, response.text
        if response.status_code == 201:
            self.movements.append(response.json()["id"])

    @rule(sku=st.sampled_from(SKUS), quantity=quantities, cost=costs)
    def receive(self, sku: str, quantity: str, cost: str) -> None:
        line = {"sku": sku, "quantity": quantity, "unit_cost": cost}
        self._movement({"type": "receipt", "warehouse": "MAIN", "lines": [line]})

    @rule(sku=st.sampled_from(SKUS), quantity=st.integers(-3, 3).filter(bool).map(str))
    def adjust(self, sku: str, quantity: str) -> None:
        line = {"sku": sku, "quantity": quantity}
        self._movement(
            {"type": "adjustment", "warehouse": "MAIN", "reason": "count", "lines": [line]}
        )

    @rule(sku=st.sampled_from(SKUS), quantity=quantities)
    def issue_without_invoice(self, sku: str, quantity: str) -> None:
        line = {"sku": sku, "quantity": quantity}
        self._movement({"type": "issue", "warehouse": "MAIN", "lines": [line]})

    @precondition(lambda self: self.movements)
    @rule(pick=st.integers(min_value=0))
    def reverse_movement(self, pick: int) -> None:
        movement = self.movements[pick % len(self.movements)]
        response = self.run(self.inventory.post(f"/movements/{movement}/reverse", role="warehouse"))
        assert response.status_code in (201, 409), response.text

    @rule(
        lines=st.lists(
            st.tuples(st.sampled_from(SKUS), quantities, prices, tax_rates), min_size=1, max_size=3
        ),
        currency=currencies,
    )
    def invoice(
        self, lines: list[tuple[str, str, str, str]], currency: tuple[str, Any, Any]
    ) -> None:
        code, rate, _ = currency
        body: dict[str, Any] = {
            "customer": "C1",
            "currency": code,
            "lines": [
                {"sku": s, "warehouse": "MAIN", "quantity": q, "unit_price": p, "tax_rate": t}
                for s, q, p, t in lines
            ],
        }
        if rate:
            body["rate"] = rate
        if code == "JPY":
            for line in body["lines"]:
                line["unit_price"] = str(int(dec(line["unit_price"])))
        response = self.run(self.finance.post("/invoices", body))
        if response.status_code == 422:  # a free invoice is refused
            assert "more than zero" in response.text
            return
        assert response.status_code == 201, response.text
        created = response.json()
        issued = self.run(self.finance.post(f"/invoices/{created['id']}/issue"))
        assert issued.status_code == 202, issued.text
        self.invoices.append(created["id"])

    def _invoice(self, pick: int) -> dict[str, Any]:
        invoice_id = self.invoices[pick % len(self.invoices)]
        result: dict[str, Any] = self.run(self.finance.ok("GET", f"/invoices/{invoice_id}"))
        return result

    @precondition(lambda self: self.invoices)
    @rule(pick=st.integers(min_value=0), share=st.sampled_from(["1", "0.5", "0.3", "1.5"]))
    def pay(self, pick: int, share: str) -> None:
        invoice = self._invoice(pick)
        open_amount = dec(invoice["open_amount"])
        places = Decimal(1).scaleb(-(0 if invoice["currency"] == "JPY" else 2))
        amount = (open_amount * Decimal(share)).quantize(places)
        if amount <= 0:
            return
        body: dict[str, Any] = {"invoice": invoice["id"], "amount": str(amount)}
        if invoice["currency"] == "EUR":
            body["rate"] = "1.1"
        before = self.run(self.finance.snapshot())
        response = self.run(self.finance.post("/payments", body))
        payable = invoice["status"] in ("issued", "partially_paid")
        if payable and amount <= open_amount:
            assert response.status_code == 201, response.text
        else:
            assert response.status_code in (409, 422), response.text
            assert self.run(self.finance.snapshot()) == before

    @precondition(lambda self: self.invoices)
    @rule(pick=st.integers(min_value=0))
    def void_or_release(self, pick: int) -> None:
        invoice = self._invoice(pick)
        action = "issue" if invoice["status"] == "on_hold" else "void"
        response = self.run(self.finance.post(f"/invoices/{invoice['id']}/{action}"))
        assert response.status_code in (200, 202, 409), response.text

    @rule(days_back=st.integers(min_value=1, max_value=3))
    def close_period(self, days_back: int) -> None:
        through = (TODAY - dt.timedelta(days=days_back)).isoformat()
        response = self.run(self.finance.post("/periods/close", {"date": through}))
        assert response.status_code in (201, 409), response.text

    @rule(amount=costs)
    def manual_entry_and_reversal(self, amount: str) -> None:
        body = {
            "date": TODAY.isoformat(),
            "lines": [{"account": "6100", "debit": amount}, {"account": "1100", "credit": amount}],
        }
        posted = self.run(self.finance.ok("POST", "/journal-entries", body))
        self.run(self.finance.ok("POST", f"/journal-entries/{posted['id']}/reverse"))

    @rule()
    def settle(self) -> None:
        self.run(pump(self.inventory, self.finance))

        async def values() -> tuple[Decimal, Decimal]:
            async with self.finance.db.read() as conn:
                kept = await inventory_balance(conn)
            async with self.inventory.db.read() as conn:
                total = (await conn.execute(select(func.sum(bins.c.value)))).scalar()
            return kept, Decimal(total or 0)

        kept, valuation = self.run(values())
        assert kept == valuation  # (c)

    @invariant()
    def books_balance_and_open_amounts_match(self) -> None:
        if not hasattr(self, "finance"):
            return

        async def check() -> None:
            async with self.finance.db.read() as conn:
                debit, credit = (
                    await conn.execute(
                        select(
                            func.coalesce(func.sum(journal_lines.c.debit), 0),
                            func.coalesce(func.sum(journal_lines.c.credit), 0),
                        )
                    )
                ).one()
                assert Decimal(debit) == Decimal(credit)  # (a)
                _, mismatches = await verify_books(conn)
                assert mismatches == []  # (a) per entry, totals, (b) open amounts

        self.run(check())


@pytest.mark.slow
def test_random_workloads_keep_the_books_right(tmp_path: Path) -> None:
    # Many small commits: keep the SQLite files in memory-backed storage when there is some.
    shm = Path("/dev/shm")
    root = Path(tempfile.mkdtemp(dir=shm)) if shm.is_dir() else tmp_path
    Books.databases = Databases(root)
    Books.root = root
    try:
        run_state_machine_as_test(
            Books,
            settings=settings(
                max_examples=30,
                stateful_step_count=40,
                deadline=None,
                database=None,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)
