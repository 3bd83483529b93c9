"""Two months of a small trading company, run through the gateway by the people who do the work,
on the embedded system and on PostgreSQL + Redis; then the checks a bookkeeper makes by hand.

The clerk receives goods at several prices (one receipt back-dated), transfers, counts and holds
stock; the accountant invoices in two currencies with tax (one invoice short of stock), takes
partial and full payments, reverses a bounced one, posts a manual entry and closes the first
month. Every attempt to post into the closed month is refused. In month two a purchasing week:
desks ordered from a supplier billing in euros, partly received (an over-receipt refused), billed
at a lower price with input tax under a tax code, paid at another rate; and a customer sends a
lamp back (a credit note; the lamp returns at the cost it left with). Then, as of a day before
the books start, a day inside the closed month, the day the desks were billed and today: the
trial balance balances, the inventory account equals the stock valuation, revenue is the issued
invoices of the period and COGS sits in the same period, AR aging is the open invoices, goods
received not invoiced is the unbilled receipts and payables the open bills; each month's tax
report is what its tax accounts took; `erp inventory verify` and `erp finance verify` pass and
`erp reporting rebuild` changes no figure. Beside it, a year-end: last December's trading closed
into retained earnings, reopened by an admin for a late bill, closed again for the difference.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.stacks import Refused, Stack, User, distributed, embedded
from tests.support.processes import wait_until

D = Decimal
CENT = D("0.01")


@pytest.fixture(params=["embedded", "distributed"])
def stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stack]:
    if request.param == "embedded":
        with embedded(tmp_path) as system:
            yield system
    else:
        postgres = request.getfixturevalue("postgres")
        redis_url = request.getfixturevalue("redis_url")
        with distributed(tmp_path, postgres, redis_url) as system:
            yield system


def month_start(day: dt.date, back: int) -> dt.date:
    """The first day of the month `back` months before `day`'s."""
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass
class Books:
    """What the bookkeeper writes down as the month goes: the figures to check against."""

    invoices: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> invoice
    issued: dict[str, dt.date] = field(default_factory=dict)  # name -> date it counts on
    revenue: dict[str, D] = field(default_factory=dict)  # name -> net in the base currency
    credit_notes: dict[str, dict[str, Any]] = field(default_factory=dict)  # invoice name -> note


def problem(error: Refused, status: int, *words: str) -> None:
    text = str(error)
    assert f": {status} " in text, text
    for word in words:
        assert word in text, (word, text)


def refused(call: Any, status: int, *words: str) -> None:
    try:
        call()
    except Refused as error:
        problem(error, status, *words)
    else:  # pragma: no cover - the assertion is the point
        raise AssertionError(f"expected {status}")


def issue(accountant: User, invoice_id: int) -> dict[str, Any]:
    """Issue and follow the invoice until inventory has answered: issued or on hold."""
    answer = accountant.post(f"/api/finance/invoices/{invoice_id}/issue", {}, expect=202)
    assert answer["status"] == "pending", answer
    final: dict[str, Any] = {}

    def settled() -> bool:
        final.update(accountant.get(f"/api/finance/invoices/{invoice_id}"))
        return final["status"] != "pending"

    assert wait_until(settled, 30, 0.1), final
    return final


def line(sku: str, warehouse: str, quantity: str, price: str, tax: str) -> dict[str, str]:
    """An invoice line."""
    return {
        "sku": sku,
        "warehouse": warehouse,
        "quantity": quantity,
        "unit_price": price,
        "tax_rate": tax,
    }


def receipt(
    clerk: User, warehouse: str, day: dt.date, *lines: tuple[str, str, str]
) -> dict[str, Any]:
    body = {
        "type": "receipt",
        "warehouse": warehouse,
        "posting_date": day.isoformat(),
        "lines": [{"sku": s, "quantity": q, "unit_cost": c} for s, q, c in lines],
    }
    moved: dict[str, Any] = clerk.post("/api/inventory/movements", body)
    return moved


def balances(user: User, as_of: str) -> dict[str, D]:
    rows = user.get("/api/finance/trial-balance", as_of=as_of)["rows"]
    return {r["account"]: D(r["balance"]) for r in rows}


def stock_value(user: User, as_of: str) -> D:
    total, cursor = D(0), None
    while True:
        page = user.get(
            "/api/inventory/stock", as_of=as_of, **({"cursor": cursor} if cursor else {})
        )
        total += sum((D(i["value"]) for i in page["items"]), D(0))
        cursor = page["next_cursor"]
        if not cursor:
            return total


DEBIT_NORMAL = {"asset", "expense"}


def reporting_balances(report: dict[str, Any]) -> dict[str, D]:
    """Reporting's trial balance (debit and credit columns) as finance states balances: on
    the account's normal side, so a credit on an expense account is negative."""
    out = {}
    for r in report["rows"]:
        net = D(r["debit"]) - D(r["credit"])
        balance = net if r["type"] in DEBIT_NORMAL else -net
        if balance:
            out[r["account"]] = balance
    return out


def settled(stack: Stack) -> None:
    """Every event has been applied: finance's inventory account equals inventory's valuation,
    and reporting's trial balance equals finance's."""
    admin, today = stack.users["admin"], dt.date.today().isoformat()

    def agreed() -> bool:
        books = balances(admin, today)
        if books.get("1300", D(0)) != stock_value(admin, today):
            return False
        report = admin.get("/api/reporting/reports/trial-balance", as_of=today)
        return reporting_balances(report) == {k: v for k, v in books.items() if v}

    if not wait_until(agreed, 60, 0.2):
        books = balances(admin, today)
        report = admin.get("/api/reporting/reports/trial-balance", as_of=today)
        raise AssertionError(
            f"the services never agreed: finance {books}, stock {stock_value(admin, today)}, "
            f"reporting {report['rows']}"
        )


def run_the_month(stack: Stack, today: dt.date) -> tuple[dt.date, dt.date, Books]:
    users = stack.users
    clerk, accountant, viewer = (
        users["clerk"],
        users["accountant"],
        users["viewer"],
    )
    m1, m2 = month_start(today, 2), month_start(today, 1)
    day = lambda m, d: m + dt.timedelta(days=d - 1)  # noqa: E731
    books = Books()

    # Master data, by the people who own it; a viewer may read, never write.
    for code in ("MAIN", "EAST"):
        clerk.post("/api/inventory/warehouses", {"code": code, "name": code.title()})
    for sku, uom, point in (("LAMP", "ea", "5"), ("CABLE", "m", "20"), ("DESK", "ea", "1")):
        clerk.post(
            "/api/inventory/items",
            {"sku": sku, "name": sku.title(), "uom": uom, "reorder_point": point},
        )
    refused(lambda: viewer.post("/api/inventory/warehouses", {"code": "X", "name": "x"}), 403)
    # Customers are kept by finance; they are named by code in any case.
    accountant.post("/api/finance/customers", {"code": "ACME", "name": "ACME Ltd"})
    accountant.post("/api/finance/customers", {"code": "BETA", "name": "Beta GmbH",
                                               "currency": "EUR", "terms_days": 14})  # fmt: skip
    refused(lambda: accountant.post("/api/finance/customers", {"code": "acme", "name": "x"}), 409)

    # Month one. The owner puts in capital; goods come in at two prices.
    accountant.post(
        "/api/finance/journal-entries",
        {
            "date": day(m1, 1).isoformat(),
            "memo": "owner's capital",
            "lines": [
                {"account": "1100", "debit": "5000.00", "credit": "0"},
                {"account": "3100", "debit": "0", "credit": "5000.00"},
            ],
        },
    )
    receipt(clerk, "MAIN", day(m1, 2), ("LAMP", "10", "12.00"), ("CABLE", "100", "0.50"))
    receipt(clerk, "MAIN", day(m1, 5), ("LAMP", "10", "14.00"))
    clerk.post(
        "/api/inventory/movements",
        {
            "type": "transfer",
            "warehouse": "MAIN",
            "to_warehouse": "EAST",
            "posting_date": day(m1, 8).isoformat(),
            "lines": [{"sku": "LAMP", "quantity": "4"}],
        },
    )
    # Moving stock back in time before a later movement of the same bin would rewrite costs
    # already booked: refused, naming the date.
    refused(lambda: receipt(clerk, "MAIN", day(m1, 4), ("LAMP", "1", "11.00")), 409, "posting_date")

    books.invoices["INV1"] = accountant.post(
        "/api/finance/invoices",
        {
            "customer": "ACME",
            "date": day(m1, 10).isoformat(),
            "lines": [
                line("LAMP", "MAIN", "6", "30.00", "10"),
                line("CABLE", "MAIN", "40", "1.20", "10"),
            ],
        },
    )
    assert issue(accountant, books.invoices["INV1"]["id"])["status"] == "issued"
    books.issued["INV1"], books.revenue["INV1"] = day(m1, 10), D("228.00")

    # A receipt entered late, dated the day the desks arrived (nothing later in that bin).
    receipt(clerk, "EAST", day(m1, 3), ("DESK", "5", "100.00"))
    # The count found two metres of cable missing.
    clerk.post(
        "/api/inventory/movements",
        {
            "type": "adjustment",
            "warehouse": "MAIN",
            "reason": "stock count",
            "posting_date": day(m1, 15).isoformat(),
            "lines": [{"sku": "CABLE", "quantity": "-2"}],
        },
    )
    accountant.post(
        "/api/finance/payments",
        {
            "invoice": books.invoices["INV1"]["id"],
            "amount": "100.00",
            "date": day(m1, 18).isoformat(),
            "account": "1100",
        },
    )
    accountant.post(
        "/api/finance/journal-entries",
        {
            "date": day(m1, 20).isoformat(),
            "memo": "rent",
            "lines": [
                {"account": "6100", "debit": "500.00", "credit": "0"},
                {"account": "1100", "debit": "0", "credit": "500.00"},
            ],
        },
    )
    books.invoices["INV2"] = accountant.post(
        "/api/finance/invoices",
        {
            "customer": "beta",  # BETA's own code and its currency, EUR, are taken
            "rate": "1.10",
            "date": day(m1, 22).isoformat(),
            "lines": [
                line("DESK", "EAST", "2", "250.00", "20"),
            ],
        },
    )
    assert books.invoices["INV2"]["customer"] == "BETA"
    assert books.invoices["INV2"]["currency"] == "EUR"
    assert issue(accountant, books.invoices["INV2"]["id"])["status"] == "issued"
    books.issued["INV2"], books.revenue["INV2"] = day(m1, 22), D("550.00")

    # Fifty lamps are not there: the invoice is held, and nothing of it is ever posted.
    books.invoices["INV3"] = accountant.post(
        "/api/finance/invoices",
        {
            "customer": "ACME",
            "date": day(m1, 25).isoformat(),
            "lines": [line("LAMP", "MAIN", "50", "30", "10")],
        },
    )
    held = issue(accountant, books.invoices["INV3"]["id"])
    assert held["status"] == "on_hold" and "LAMP" in (held.get("hold_reason") or ""), held

    # A hold for a customer; a sample taken from it; the rest stays held, then is released.
    hold = clerk.post(
        "/api/inventory/reservations",
        {"sku": "LAMP", "warehouse": "MAIN", "quantity": "3", "reference": "SO-7"},
    )
    clerk.post(
        "/api/inventory/movements",
        {
            "type": "issue",
            "warehouse": "MAIN",
            "reference": "sample",
            "posting_date": day(m1, 26).isoformat(),
            "lines": [{"sku": "LAMP", "quantity": "1", "reservation_id": hold["id"]}],
        },
    )
    still = clerk.get(f"/api/inventory/reservations/{hold['id']}")
    assert still["status"] == "active" and D(still["quantity"]) == 2, still
    clerk.post(f"/api/inventory/reservations/{hold['id']}/release", {}, expect=200)

    # The euro invoice is paid in full at a better rate: an exchange gain.
    accountant.post(
        "/api/finance/payments",
        {
            "invoice": books.invoices["INV2"]["id"],
            "amount": "600.00",
            "rate": "1.12",
            "date": day(m1, 28).isoformat(),
            "account": "1100",
        },
    )
    # Money cannot be "received" into receivables itself.
    refused(
        lambda: accountant.post(
            "/api/finance/payments",
            {
                "invoice": books.invoices["INV1"]["id"],
                "amount": "1.00",
                "account": "1200",
                "date": day(m1, 28).isoformat(),
            },
        ),
        422,
        "account",
    )
    # Goods that left for an invoice come back only through the invoice.
    issued_for_inv1 = clerk.get(
        "/api/inventory/movements", type="issue", sku="CABLE", warehouse="MAIN"
    )["items"]
    invoice_move = next(
        m for m in issued_for_inv1 if m["reference"] == f"invoice:{books.invoices['INV1']['id']}"
    )
    refused(
        lambda: clerk.post(
            f"/api/inventory/movements/{invoice_move['id']}/reverse", {"reason": "x"}
        ),
        409,
        "invoice",
    )

    # Close month one once everything in it has been posted.
    settled(stack)
    closed = (m2 - dt.timedelta(days=1)).isoformat()
    accountant.post("/api/finance/periods/close", {"date": closed})
    refused(
        lambda: accountant.post(
            "/api/finance/journal-entries",
            {
                "date": day(m1, 15).isoformat(),
                "memo": "late",
                "lines": [
                    {"account": "6100", "debit": "1", "credit": "0"},
                    {"account": "1100", "debit": "0", "credit": "1"},
                ],
            },
        ),
        409,
        closed,
    )
    late = accountant.post(
        "/api/finance/invoices",
        {
            "customer": "ACME",
            "date": day(m1, 20).isoformat(),
            "lines": [{"sku": "CABLE", "warehouse": "MAIN", "quantity": "1", "unit_price": "2"}],
        },
    )
    refused(
        lambda: accountant.post(f"/api/finance/invoices/{late['id']}/issue", {}, expect=202),
        409,
        closed,
    )

    def movement_refused() -> bool:
        try:
            receipt(clerk, "EAST", day(m1, 30), ("CABLE", "1", "0.50"))
        except Refused as error:
            problem(error, 409, "posting_date", closed)
            return True
        raise AssertionError("a movement into the closed month was accepted")

    # Inventory hears of the close from finance's event.
    assert wait_until(movement_refused, 20, 0.2)

    # Month two.
    receipt(clerk, "MAIN", day(m2, 3), ("LAMP", "10", "16.00"))
    books.invoices["INV4"] = accountant.post(
        "/api/finance/invoices",
        {
            "customer": "ACME",
            "date": day(m2, 5).isoformat(),
            "lines": [line("LAMP", "MAIN", "5", "32.00", "10")],
        },
    )
    assert issue(accountant, books.invoices["INV4"]["id"])["status"] == "issued"
    books.issued["INV4"], books.revenue["INV4"] = day(m2, 5), D("160.00")
    refused(
        lambda: accountant.post(
            "/api/finance/payments",
            {
                "invoice": books.invoices["INV4"]["id"],
                "amount": "1.00",
                "date": day(m2, 4).isoformat(),
            },
        ),
        422,
        "date",
    )
    accountant.post(
        "/api/finance/payments",
        {
            "invoice": books.invoices["INV1"]["id"],
            "amount": "150.80",
            "date": day(m2, 6).isoformat(),
        },
    )
    bounced = accountant.post(
        "/api/finance/payments",
        {
            "invoice": books.invoices["INV4"]["id"],
            "amount": "176.00",
            "date": day(m2, 7).isoformat(),
        },
    )
    assert (
        accountant.get(f"/api/finance/invoices/{books.invoices['INV4']['id']}")["status"] == "paid"
    )
    accountant.post(
        f"/api/finance/payments/{bounced['id']}/reverse",
        {"date": day(m2, 9).isoformat(), "reason": "bounced"},
    )
    reopened = accountant.get(f"/api/finance/invoices/{books.invoices['INV4']['id']}")
    assert reopened["status"] == "issued" and D(reopened["open_amount"]) == D("176.00")
    purchasing_week(stack, day(m2, 10))
    customer_return(stack, books, day(m2, 11))
    settled(stack)
    return m1, m2, books


def customer_return(stack: Stack, books: Books, day: dt.date) -> None:
    """ACME sends back one of INV4's five lamps: its revenue and tax are credited, and the lamp
    is back on the shelf at the cost it left with."""
    accountant, clerk = stack.users["accountant"], stack.users["clerk"]
    invoice = books.invoices["INV4"]
    refused(lambda: accountant.post("/api/finance/credit-notes", {
        "invoice": invoice["id"], "date": day.isoformat(),
        "lines": [{"line_no": 1, "quantity": "6"}]}), 422, "lines.0.quantity")  # fmt: skip
    note = accountant.post("/api/finance/credit-notes", {
        "invoice": invoice["id"], "date": day.isoformat(), "reason": "damaged in transit",
        "lines": [{"line_no": 1, "quantity": "1"}]})  # fmt: skip
    assert D(note["total"]) == D("35.20")
    books.revenue["INV4"] -= D("32.00")
    books.credit_notes["INV4"] = note
    reference = f"credit-note:{note['id']}"

    def back_on_the_shelf() -> bool:
        moves = clerk.get("/api/inventory/movements", type="receipt", limit=200)["items"]
        return any(m["reference"] == reference for m in moves)

    assert wait_until(back_on_the_shelf, 30, 0.2)


def purchasing_week(stack: Stack, monday: dt.date) -> None:
    """Desks ordered from a supplier billing in euros: three of four arrive, the bill charges
    less than the order's price, and it is paid when the euro is cheaper."""
    clerk, accountant = stack.users["clerk"], stack.users["accountant"]
    on = lambda n: (monday + dt.timedelta(days=n)).isoformat()  # noqa: E731
    accountant.post("/api/finance/tax-codes", {"code": "IN20", "name": "Input VAT 20%",
                                               "kind": "input", "rate": "20"})  # fmt: skip
    accountant.post("/api/finance/suppliers", {"code": "DESKCO", "name": "Desk Co",
                                               "currency": "EUR", "terms_days": 14})  # fmt: skip
    order = clerk.post("/api/inventory/purchase-orders", {"supplier": "DESKCO", "lines": [
        {"sku": "DESK", "warehouse": "EAST", "quantity": "4", "unit_price": "90.00"}]})  # fmt: skip
    clerk.post(f"/api/inventory/purchase-orders/{order['id']}/approve", {}, expect=200)
    against = {"order_id": order["id"], "line_no": 1}
    clerk.post("/api/inventory/movements", {
        "type": "receipt", "warehouse": "EAST", "posting_date": on(0),
        "lines": [{"sku": "DESK", "quantity": "3", "purchase_order_line": against}]})  # fmt: skip
    refused(lambda: clerk.post("/api/inventory/movements", {
        "type": "receipt", "warehouse": "EAST", "posting_date": on(0),
        "lines": [{"sku": "DESK", "quantity": "2", "purchase_order_line": against}]}),
        409, "over-receipt")  # fmt: skip
    assert clerk.get(f"/api/inventory/purchase-orders/{order['id']}")["status"] == (
        "partly_received"
    )

    found: list[dict[str, Any]] = []

    def arrived() -> bool:
        found[:] = accountant.get("/api/finance/goods-receipts", supplier="DESKCO")["rows"]
        return bool(found)

    assert wait_until(arrived, 20, 0.2)
    (desks,) = found
    assert D(desks["unbilled_value"]) == D("270.00")
    # 3 x 85 EUR at 1.10 = 280.50 against 270.00 received: 10.50 of price variance.
    bill = accountant.post("/api/finance/bills", {
        "supplier": "deskco", "number": "DC-17", "date": on(2), "rate": "1.10",
        "lines": [{"receipt": desks["id"], "quantity": "3", "unit_price": "85.00",
                   "tax_code": "IN20"}]})  # fmt: skip
    assert (bill["total"], bill["due_date"]) == ("306.0000", on(16))
    refused(lambda: accountant.post("/api/finance/bills", {
        "supplier": "DESKCO", "number": "DC-18", "date": on(2), "rate": "1.10",
        "lines": [{"receipt": desks["id"], "quantity": "1", "unit_price": "85.00"}]}),
        422, "lines.0.quantity")  # fmt: skip
    # Paid at 1.05: 321.30 dollars settle 336.60 owed, a gain of 15.30.
    accountant.post("/api/finance/supplier-payments", {
        "bill": bill["id"], "amount": "306.00", "date": on(4), "rate": "1.05"})  # fmt: skip
    week = period_figures(accountant, monday, monday + dt.timedelta(days=4))
    assert week.get("5200") == D("10.50") and week.get("1400") == D("56.10")
    assert week.get("7100") == D("-15.30") and week.get("2100", D(0)) == 0


def invoice_costs(user: User, books: Books) -> dict[str, D]:
    """What each invoice's goods cost, as inventory valued them when they left, less what
    came back with its credit notes."""
    issues = user.get("/api/inventory/movements", type="issue", limit=200)["items"]
    receipts = user.get("/api/inventory/movements", type="receipt", limit=200)["items"]

    def value(moves: list[dict[str, Any]], reference: str) -> D:
        return sum(
            (D(ln["value"]) for m in moves if m["reference"] == reference for ln in m["lines"]),
            D(0),
        )

    costs: dict[str, D] = {}
    for name, invoice in books.invoices.items():
        costs[name] = -value(issues, f"invoice:{invoice['id']}")
        if name in books.credit_notes:
            costs[name] -= value(receipts, f"credit-note:{books.credit_notes[name]['id']}")
    return costs


def open_receivables(books: Books, as_of: dt.date, today: dt.date) -> D:
    """By hand: INV1 250.80 less 100.00 paid on day 18, the rest paid in month two; INV2 paid
    in full; INV4 176.00 paid and reversed, then 35.20 credited; INV3 never issued."""
    m1, m2 = month_start(today, 2), month_start(today, 1)
    open_ = D(0)
    if as_of >= m1 + dt.timedelta(days=9):
        open_ += D("250.80")
    if as_of >= m1 + dt.timedelta(days=17):
        open_ -= D("100.00")
    if as_of >= m2 + dt.timedelta(days=5):
        open_ -= D("150.80")
    if as_of >= m2 + dt.timedelta(days=4):
        open_ += D("176.00")
    if as_of >= m2 + dt.timedelta(days=10):
        open_ -= D("35.20")  # one lamp credited
    return open_


def report(user: User, name: str, **params: Any) -> dict[str, Any]:
    body: dict[str, Any] = user.get(f"/api/reporting/reports/{name}", **params)
    body.pop("position", None)
    return body


def check_books(stack: Stack, as_of: dt.date, books: Books, today: dt.date) -> None:
    accountant = stack.users["accountant"]
    day = as_of.isoformat()
    trial = accountant.get("/api/finance/trial-balance", as_of=day)
    assert D(trial["total_debit"]) == D(trial["total_credit"]), trial
    reported = report(accountant, "trial-balance", as_of=day)
    assert reported["totals"]["balanced"] is True, reported["totals"]

    # The inventory account equals the stock, as finance, inventory and reporting each see it.
    account = balances(accountant, day).get("1300", D(0))
    assert account == stock_value(accountant, day)
    valuation = report(accountant, "stock-valuation", as_of=day)
    assert D(valuation["totals"]["value"]) == account, valuation["totals"]

    # AR aging is the open invoices (all in the base currency but INV2, paid by then).
    expected = open_receivables(books, as_of, today)
    assert balances(accountant, day).get("1200", D(0)) == expected
    aging = report(accountant, "ar-aging", as_of=day)
    open_total = sum((D(c["total"]) for c in aging["totals"]["by_currency"].values()), D(0))
    assert open_total == expected, aging["totals"]

    # Goods received not invoiced is the receipts not yet billed; payables the open bills. As
    # finance and reporting each see them.
    grni, payable = (balances(accountant, day).get(a, D(0)) for a in ("2150", "2100"))
    unbilled = accountant.get("/api/finance/goods-receipts", as_of=day)
    assert grni == D(unbilled["total_unbilled"])
    assert grni == D(report(accountant, "unbilled-receipts", as_of=day)["totals"]["unbilled_value"])
    payables = accountant.get("/api/finance/ap-aging", as_of=day)
    assert payable == D(payables["totals"]["total"])
    # Reporting ages payables in the bill's currency: the only bill is the desks', in euros
    # at 1.10.
    aging = report(accountant, "ap-aging", as_of=day)["totals"]["by_currency"]
    assert payable == sum((D(c["total"]) * D("1.10") for c in aging.values()), D(0)), aging


def period_figures(user: User, start: dt.date, end: dt.date) -> dict[str, D]:
    """Movement of each account over [start, end], from the trial balance at both ends."""
    before = balances(user, (start - dt.timedelta(days=1)).isoformat())
    after = balances(user, end.isoformat())
    return {k: after.get(k, D(0)) - before.get(k, D(0)) for k in set(before) | set(after)}


def test_a_business_month_adds_up(stack: Stack) -> None:
    today = dt.date.today()
    m1, m2, books = run_the_month(stack, today)
    accountant = stack.users["accountant"]
    end_m1 = m2 - dt.timedelta(days=1)

    purchases = m2 + dt.timedelta(days=11)  # the desks billed, not yet paid
    for as_of in (m1 - dt.timedelta(days=1), m1 + dt.timedelta(days=19), purchases, today):
        check_books(stack, as_of, books, today)

    # Revenue of each month is its issued invoices; their cost of goods sits beside it.
    costs = invoice_costs(accountant, books)
    assert costs["INV3"] == 0  # held: nothing left the shelf
    for start, end, names in ((m1, end_m1, ("INV1", "INV2")), (m2, today, ("INV4",))):
        moved = period_figures(accountant, start, end)
        assert moved.get("4000", D(0)) == sum(books.revenue[n] for n in names)
        assert moved.get("5000", D(0)) == sum(costs[n] for n in names)
        period = {"from": start.isoformat(), "to": end.isoformat()}
        pnl = report(accountant, "profit-and-loss", **period)
        assert D(pnl["totals"]["income"]) == sum(books.revenue[n] for n in names), pnl["totals"]
        # The sales report nets the credit note too, its revenue and the returned lamp's cost.
        sales = report(accountant, "sales", **period)["totals"]
        assert (D(sales["revenue"]), D(sales["cogs"])) == (moved["4000"], moved["5000"]), sales

    # The tax report of each month is what sales tax payable and input tax took in it.
    for start, end in ((m1, end_m1), (m2, today)):
        period = {"from": start.isoformat(), "to": end.isoformat()}
        taxes = accountant.get("/api/finance/tax-report", **period)
        moved = period_figures(accountant, start, end)
        assert D(taxes["output_tax"]) == moved.get("2200", D(0)), taxes
        assert D(taxes["input_tax"]) == moved.get("1400", D(0)), taxes
        reported = report(accountant, "tax", **period)["totals"]
        assert [D(reported[k]) for k in ("output_tax", "input_tax", "net_due")] == [
            D(taxes[k]) for k in ("output_tax", "input_tax", "net_due")
        ], (reported, taxes)
    assert D(taxes["input_tax"]) == D("56.10")  # the desks' bill, under its code

    # The operator's checks change nothing.
    for service in ("inventory", "finance"):
        result = stack.cli(service, service, "verify")
        assert result.returncode == 0, result.stdout + result.stderr
    dates = (m1 - dt.timedelta(days=1), m1 + dt.timedelta(days=19), today)
    reports = ("trial-balance", "stock-valuation", "ar-aging", "balance-sheet", "ap-aging",
               "unbilled-receipts")  # fmt: skip
    before = {(n, d): report(accountant, n, as_of=d.isoformat()) for n in reports for d in dates}
    rebuilt = stack.cli("reporting", "reporting", "rebuild")
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    after = {(n, d): report(accountant, n, as_of=d.isoformat()) for n in reports for d in dates}
    assert after == before


def entry(user: User, day: dt.date, memo: str, *lines: tuple[str, str, str]) -> Any:
    """A manual journal entry of (account, debit, credit) lines."""
    body = {
        "date": day.isoformat(),
        "memo": memo,
        "lines": [{"account": a, "debit": d, "credit": c} for a, d, c in lines],
    }
    return user.post("/api/finance/journal-entries", body)


def closing_lines(user: User, entry_id: int) -> dict[str, D]:
    """The closing entry's net debit per account."""
    posted = user.get(f"/api/finance/journal-entries/{entry_id}")
    assert posted["source"] == "year-end", posted
    return {ln["account"]: D(ln["debit"]) - D(ln["credit"]) for ln in posted["lines"]}


# On the distributed stack only: the close is the same code on both, and this one also carries
# the closing entries to reporting through Redis.
@pytest.mark.parametrize("stack", ["distributed"], indirect=True)
def test_the_year_end_closes_into_retained_earnings_and_reopens_only_for_an_admin(
    stack: Stack,
) -> None:
    """Last December's trading, then this January's; the accountant closes last year, an admin
    reopens it for a late bill (the reason kept), and the second close posts only that bill."""
    users = stack.users
    clerk, accountant, admin = users["clerk"], users["accountant"], users["admin"]
    today = dt.date.today()
    year = today.year - 1
    december, year_end, january = (
        dt.date(year, 12, 1),
        dt.date(year, 12, 31),
        dt.date(year + 1, 1, 5),
    )

    clerk.post("/api/inventory/warehouses", {"code": "MAIN", "name": "Main"})
    clerk.post("/api/inventory/items", {"sku": "LAMP", "name": "Lamp", "uom": "ea"})
    accountant.post("/api/finance/customers", {"code": "ACME", "name": "ACME Ltd"})
    entry(
        accountant, december, "owner's capital", ("1100", "5000.00", "0"), ("3100", "0", "5000.00")
    )
    receipt(clerk, "MAIN", december + dt.timedelta(days=1), ("LAMP", "10", "12.00"))
    for day, quantity in ((december + dt.timedelta(days=9), "4"), (january, "2")):
        invoice = accountant.post(
            "/api/finance/invoices",
            {"customer": "ACME", "date": day.isoformat(),
             "lines": [line("LAMP", "MAIN", quantity, "30.00", "10")]},
        )  # fmt: skip
        assert issue(accountant, invoice["id"])["status"] == "issued"
    entry(accountant, december + dt.timedelta(days=19), "rent", ("6100", "500.00", "0"),
          ("1100", "0", "500.00"))  # fmt: skip
    settled(stack)

    # Last year: revenue 120.00, cost of goods 48.00, rent 500.00, a loss of 428.00.
    closed = accountant.post("/api/finance/periods/close-year", {"year": year})
    assert closed["closed_through"] == year_end.isoformat(), closed
    assert D(closed["net_profit"]) == D("-428.00"), closed
    assert closing_lines(accountant, closed["entry_id"]) == {
        "4000": D("120.00"), "5000": D("-48.00"), "6100": D("-500.00"), "3200": D("428.00"),
    }  # fmt: skip
    refused(lambda: entry(accountant, year_end, "late", ("6100", "1", "0"), ("1100", "0", "1")),
            409)  # fmt: skip
    reopen = {"date": december.isoformat(), "reason": "x"}
    refused(lambda: accountant.post("/api/finance/periods/reopen", reopen), 403)

    # A supplier's December bill came late: an admin reopens December, saying why.
    admin.post(
        "/api/finance/periods/reopen",
        {"date": december.isoformat(), "reason": "the December electricity bill came late"},
    )
    entry(accountant, dt.date(year, 12, 28), "electricity", ("6100", "50.00", "0"),
          ("1100", "0", "50.00"))  # fmt: skip
    again = accountant.post("/api/finance/periods/close-year", {"year": year})
    assert D(again["net_profit"]) == D("-50.00"), again
    assert closing_lines(accountant, again["entry_id"]) == {"6100": D("-50.00"), "3200": D("50.00")}
    trail = accountant.get("/api/finance/periods")["history"]
    assert [c["action"] for c in trail] == ["close", "reopen", "close"], trail
    assert trail[1]["by"] == "admin" and "electricity" in trail[1]["reason"], trail
    settled(stack)

    # After the close the year's income and expenses are in retained earnings, the balance
    # sheet balances on the day and after it, and this year's results start from zero.
    at_year_end = balances(accountant, year_end.isoformat())
    assert all(at_year_end.get(a, D(0)) == 0 for a in ("4000", "5000", "6100")), at_year_end
    assert at_year_end["3200"] == D("-478.00"), at_year_end
    now = balances(accountant, today.isoformat())
    assert now["4000"] == D("60.00") and now["5000"] == D("24.00"), now
    for day in (year_end - dt.timedelta(days=1), year_end, january, today):
        sheet = report(accountant, "balance-sheet", as_of=day.isoformat())
        assert sheet["totals"]["balanced"] is True, (day, sheet["totals"])
    pnl = report(accountant, "profit-and-loss",
                 **{"from": december.isoformat(), "to": year_end.isoformat()})  # fmt: skip
    assert D(pnl["totals"]["income"]) == D("120.00"), pnl["totals"]  # the result stays visible
    for service in ("inventory", "finance"):
        result = stack.cli(service, service, "verify")
        assert result.returncode == 0, result.stdout + result.stderr
