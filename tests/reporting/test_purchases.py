"""Purchases from finance's bill events: each line's net in the base currency on the bill's
date, by supplier, item and period; a debit note comes off on its own date; bills from before
their lines travelled count their subtotal; a rebuild gives the same figures."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

from erp.contracts.finance import BillPosted, JournalLine
from tests.reporting import builders as b
from tests.reporting import purchase_builders as pb
from tests.reporting.conftest import feed
from tests.reporting.test_invoice_states import replay, report
from tests.support.clients import ServiceClient

MAY, JUNE = dt.date(2024, 5, 6), dt.date(2024, 6, 3)


def events() -> list[Any]:
    """acme: W-1 and a service in May, a 5.00 debit note in June; globex: euros at 1.125 (both
    lines on a half cent: half-even rounds 1.125 down, 3.375 up); initech: a bill from before
    lines travelled, in June."""
    return [
        b.item_changed("W-1", "Widget", "pcs", Decimal(0), b.moment(MAY, 8)),
        pb.bill(1, "acme", MAY, [
            pb.bill_line(1, Decimal("40.00"), sku="W-1", quantity=Decimal(10)),
            pb.bill_line(2, Decimal("15.00"), quantity=Decimal(1)),
        ]),
        pb.bill(2, "globex", MAY + dt.timedelta(days=14), [
            pb.bill_line(1, Decimal("1.00"), sku="W-1", quantity=Decimal(3)),
            pb.bill_line(2, Decimal("3.00"), sku="W-2", quantity=Decimal(2)),
        ], currency="EUR", rate=Decimal("1.125")),
        pb.bill(3, "initech", JUNE, None, subtotal=Decimal("70.00")),
        b.debit_note_posted(1, 1, "acme", JUNE + dt.timedelta(days=7), Decimal("5.00"),
                            open_amount=Decimal("50.00")),
    ]  # fmt: skip


async def purchases(client: ServiceClient, start: dt.date, end: dt.date, group_by: str) -> Any:
    params = {"from": start.isoformat(), "to": end.isoformat(), "group_by": group_by}
    return await report(client, "/reports/purchases", **params)


def amounts(body: dict[str, Any], *keys: str) -> list[tuple[Any, ...]]:
    return [(*(r[k] for k in keys), _quantity(r), Decimal(r["amount"])) for r in body["rows"]]


def _quantity(row: dict[str, Any]) -> Decimal | None:
    return None if row.get("quantity") is None else Decimal(row["quantity"])


async def test_purchases_by_supplier_item_and_month(reporting: ServiceClient) -> None:
    await feed(reporting, events())
    end_of_may, end_of_june = dt.date(2024, 5, 31), dt.date(2024, 6, 30)
    for _ in range(2):  # as delivered, then rebuilt from the kept events
        may = await purchases(reporting, MAY.replace(day=1), end_of_may, "supplier")
        assert may["columns"] == ["supplier", "amount"]
        assert amounts(may, "supplier") == [
            ("acme", None, Decimal("55.00")),
            ("globex", None, Decimal("4.50")),  # 1.12 + 3.38
        ]
        assert Decimal(may["totals"]["amount"]) == Decimal("59.50")
        by_month = await purchases(reporting, MAY.replace(day=1), end_of_june, "month,supplier")
        assert amounts(by_month, "period", "supplier") == [
            ("2024-05-01", "acme", None, Decimal("55.00")),
            ("2024-05-01", "globex", None, Decimal("4.50")),
            ("2024-06-01", "acme", None, Decimal("-5.00")),  # the debit note, on its date
            ("2024-06-01", "initech", None, Decimal("70.00")),
        ]
        by_item = await purchases(reporting, MAY.replace(day=1), end_of_june, "item")
        assert by_item["columns"] == ["item", "name", "uom", "quantity", "amount"]
        assert amounts(by_item, "item", "name", "uom") == [
            (None, None, None, None, Decimal("80.00")),  # the service, initech, the debit note
            ("W-1", "Widget", "pcs", Decimal(13), Decimal("41.12")),
            ("W-2", None, None, Decimal(2), Decimal("3.38")),
        ]
        assert Decimal(by_item["totals"]["amount"]) == Decimal("124.50")
        # Before the debit note's date, acme's June is empty.
        early_june = await purchases(reporting, JUNE, JUNE, "day,supplier")
        assert amounts(early_june, "period", "supplier") == [
            ("2024-06-03", "initech", None, Decimal("70.00"))
        ]
        before = await purchases(reporting, dt.date(2024, 4, 1), dt.date(2024, 4, 30), "month")
        assert before["rows"] == [] and Decimal(before["totals"]["amount"]) == 0
        await replay(reporting)


async def test_purchases_as_csv_end_with_the_total(reporting: ServiceClient) -> None:
    await feed(reporting, events())
    params = {"from": "2024-05-01", "to": "2024-05-31", "group_by": "supplier", "format": "csv"}
    response = await reporting.get("/reports/purchases", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["supplier", "amount"]
    assert [(r[0], Decimal(r[1])) for r in rows[1:]] == [
        ("acme", Decimal("55.00")),
        ("globex", Decimal("4.50")),
        ("Total", Decimal("59.50")),
    ]


async def test_bad_purchases_queries_name_the_field(reporting: ServiceClient) -> None:
    for params, field in (
        ({"from": "2024-05-01", "to": "2024-05-31", "group_by": "customer"}, "group_by"),
        ({"from": "2024-05-01", "to": "2024-05-31", "group_by": "day,week"}, "group_by"),
        ({"from": "2024-06-01", "to": "2024-05-31"}, "from"),
        ({"from": "2000-01-01", "to": "2024-05-31"}, "to"),
    ):
        response = await reporting.get("/reports/purchases", params=params)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert field in {e["field"] for e in response.json()["errors"]}


def test_new_fields_travel_only_when_set() -> None:
    """Bills without lines and untaxed journal lines travel as they always have; either
    parses from what older publishers sent."""
    old = pb.bill(3, "initech", JUNE, None, subtotal=Decimal("70.00")).data
    parsed = BillPosted.from_data(old)
    assert parsed.lines is None and parsed.to_data() == old
    line = JournalLine(line_no=1, account="6100", debit=Decimal(1), credit=Decimal(0),
                       amount=Decimal(1), account_type="expense")  # fmt: skip
    assert "tax_code" not in line.to_data()
    coded = JournalLine.from_data({**line.to_data(), "tax_code": "VAT20"})
    assert coded.tax_code == "VAT20" and coded.to_data()["tax_code"] == "VAT20"
    with_lines = BillPosted.from_data(events()[1].data)
    assert with_lines.lines is not None and with_lines.lines[0].sku == "W-1"
    assert "receipt_movement_id" not in with_lines.to_data()["lines"][0]
