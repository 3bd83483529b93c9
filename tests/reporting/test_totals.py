"""Reports name the accounts and end with totals rows, in JSON and CSV; quantities are only
ever added up within one unit of measure."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

from erp.finance.domain.chart import STANDARD_CHART
from erp.reporting.domain.accounts import STANDARD_CHART as REPORTED
from tests.reporting import builders as b
from tests.reporting.conftest import feed
from tests.support.clients import ServiceClient

DAY = dt.date(2024, 5, 6)
Z, ONE = Decimal(0), Decimal(1)


async def body(client: ServiceClient, path: str, **params: str) -> dict[str, Any]:
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def table(client: ServiceClient, path: str, **params: str) -> list[list[str]]:
    response = await client.get(path, params={**params, "format": "csv"})
    assert response.status_code == 200, response.text
    return list(csv.reader(io.StringIO(response.text)))


def test_the_names_are_those_of_the_standard_chart() -> None:
    chart = {code: name for code, name, _, _ in STANDARD_CHART}
    assert chart == REPORTED


async def test_ledger_reports_name_accounts_and_total_them(reporting: ServiceClient) -> None:
    await feed(
        reporting,
        [
            b.journal(1, DAY, [("1100", Decimal("50.00"), Z), ("4000", Z, Decimal("50.00"))]),
            b.journal(2, DAY, [("6100", Decimal("20.00"), Z), ("1100", Z, Decimal("20.00"))]),
        ],
    )
    tb = await body(reporting, "/reports/trial-balance", as_of="2024-05-31")
    assert {r["account"]: r["name"] for r in tb["rows"]} == {
        "1100": "Cash and bank",
        "4000": "Sales",
        "6100": "Rent",
    }
    [total] = tb["total_rows"]
    assert total["account"] == "Total"
    assert Decimal(total["debit"]) == Decimal(total["credit"]) == Decimal("50.00")
    assert Decimal(total["debit_total"]) == Decimal("70.00")
    lines = await table(reporting, "/reports/trial-balance", as_of="2024-05-31")
    assert lines[0][:3] == ["account", "name", "type"]
    assert lines[-1][0] == "Total" and Decimal(lines[-1][5]) == Decimal("50.00")

    pnl = await body(
        reporting, "/reports/profit-and-loss", **{"from": "2024-05-01", "to": "2024-05-31"}
    )
    assert {r["account"]: r["name"] for r in pnl["rows"]} == {"4000": "Sales", "6100": "Rent"}
    assert {r["account"]: Decimal(r["amount"]) for r in pnl["total_rows"]} == {
        "Total income": Decimal("50.00"),
        "Total expenses": Decimal("20.00"),
        "Net profit": Decimal("30.00"),
    }

    sheet = await body(reporting, "/reports/balance-sheet", as_of="2024-05-31")
    assert {r["account"]: Decimal(r["amount"]) for r in sheet["total_rows"]} == {
        "Total assets": Decimal("30.00"),
        "Total liabilities": Z,
        "Total equity": Decimal("30.00"),
        "Total liabilities and equity": Decimal("30.00"),
    }
    assert (await table(reporting, "/reports/balance-sheet", as_of="2024-05-31"))[-1][1] == (
        "Total liabilities and equity"
    )


async def sales_by_month(client: ServiceClient) -> dict[str, Any]:
    return await body(
        client, "/reports/sales", **{"from": "2024-05-01", "to": "2024-05-31", "group_by": "month"}
    )


async def test_sales_quantities_are_totalled_per_unit(reporting: ServiceClient) -> None:
    at = b.moment(DAY)
    await feed(
        reporting,
        [
            b.item_changed("CHAIR", "Chair", "pcs", Z, at),
            b.item_changed("TABLE", "Table", "pcs", Z, at),
            b.invoice_issued(1, "acme", DAY, [("CHAIR", Decimal(3), Decimal("30.00"))]),
            b.invoice_issued(2, "acme", DAY, [("TABLE", Decimal(1), Decimal("70.00"))]),
        ],
    )
    one_unit = await sales_by_month(reporting)
    assert [(r["uom"], Decimal(r["quantity"])) for r in one_unit["rows"]] == [("pcs", 4)]
    [total] = one_unit["total_rows"]
    assert (total["period"], total["uom"], Decimal(total["quantity"])) == ("Total", "pcs", 4)

    await feed(
        reporting,
        [
            b.item_changed("SAND", "Sand", "kg", Z, at),
            b.invoice_issued(3, "acme", DAY, [("SAND", Decimal("12.5"), Decimal("5.00"))]),
        ],
    )
    mixed = await sales_by_month(reporting)
    assert {r["uom"]: Decimal(r["quantity"]) for r in mixed["rows"]} == {
        "kg": Decimal("12.5"),
        "pcs": 4,
    }
    assert [(t["period"], t["uom"]) for t in mixed["total_rows"]] == [
        ("Subtotal", "kg"),
        ("Subtotal", "pcs"),
        ("Total", None),
    ]
    assert mixed["total_rows"][-1]["quantity"] is None  # never 16.5 of nothing
    assert Decimal(mixed["total_rows"][-1]["revenue"]) == Decimal("105.00")
    assert mixed["totals"]["quantity_by_uom"] == {"kg": "12.5000", "pcs": "4.0000"}
    lines = await table(
        reporting,
        "/reports/sales",
        **{"from": "2024-05-01", "to": "2024-05-31", "group_by": "month"},
    )
    assert lines[0] == ["period", "uom", "quantity", "revenue", "cogs", "margin"]
    assert [ln[:3] for ln in lines[-3:]] == [
        ["Subtotal", "kg", "12.5000"],
        ["Subtotal", "pcs", "4.0000"],
        ["Total", "", ""],
    ]
    by_item = await body(
        reporting,
        "/reports/sales",
        **{"from": "2024-05-01", "to": "2024-05-31", "group_by": "item"},
    )
    assert by_item["columns"][:3] == ["item", "name", "uom"]
    assert {r["item"]: r["name"] for r in by_item["rows"]} == {
        "CHAIR": "Chair",
        "SAND": "Sand",
        "TABLE": "Table",
    }


async def test_stock_ar_and_reconciliation_end_with_totals(reporting: ServiceClient) -> None:
    at = b.moment(DAY)
    await feed(
        reporting,
        [
            b.item_changed("CHAIR", "Chair", "pcs", Z, at),
            b.stock_moved(1, "receipt", "W1", at, [("CHAIR", "W1", Decimal(2), Decimal("20.00"))]),
            b.stock_moved(2, "receipt", "W2", at, [("CHAIR", "W2", Decimal(3), Decimal("30.00"))]),
            b.invoice_issued(1, "acme", DAY, [("CHAIR", ONE, Decimal("10.00"))]),
            b.invoice_issued(2, "globex", DAY, [("CHAIR", ONE, Decimal("9.00"))], currency="EUR"),
            b.invoice_issued(3, "initech", DAY, [("CHAIR", ONE, Decimal("4.00"))], currency="EUR"),
        ],
    )
    stock = await body(reporting, "/reports/stock-valuation", as_of="2024-05-31")
    [total] = stock["total_rows"]
    assert (total["sku"], total["uom"]) == ("Total", "pcs")
    assert (Decimal(total["quantity"]), Decimal(total["value"])) == (5, Decimal("50.00"))

    aging = await body(reporting, "/reports/ar-aging", as_of="2024-05-31")
    assert {(t["customer"], t["currency"]): Decimal(t["total"]) for t in aging["total_rows"]} == {
        ("Total", "EUR"): Decimal("13.00"),
        ("Total", "USD"): Decimal("10.00"),
    }

    recon = await body(reporting, "/reports/reconciliation", as_of="2024-05-31")
    [total] = recon["total_rows"]
    assert total["warehouse"] == "Total" and Decimal(total["stock_value"]) == Decimal("50.00")
    assert total["pending_movements"] == 2
