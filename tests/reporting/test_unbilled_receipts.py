"""Goods received not invoiced from inventory's receipts against purchase orders and finance's
bills matched to them: per receipt line what was not billed as of a date, returns taken off on
their date; the total is reporting's own 2150 balance on every date, and a rebuild gives the
same figures."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

from tests.reporting import builders as b
from tests.reporting import purchase_builders as pb
from tests.reporting.conftest import feed
from tests.reporting.test_invoice_states import replay, report
from tests.support.clients import ServiceClient

DAY = dt.date(2024, 5, 6)
ZERO = Decimal(0)


def days(n: int) -> dt.date:
    return DAY + dt.timedelta(days=n)


def events() -> list[Any]:
    """acme's receipt 1 (order 7: 10 W-1 for 40.00, 5 W-2 for 25.00) on DAY; globex's receipt 2
    (order 8: 2 W-1 for 9.00) on day 2; a bill on day 5 for 4 W-1 of receipt 1 (16.00 of GRNI,
    16.40 charged: 0.40 variance) and one line of rent; 2 W-2 sent back to acme on day 8; all
    of globex's receipt billed on day 9 in one bill of two lines. Each with its journal entry."""
    d = Decimal
    return [
        pb.receipt(1, DAY, "acme", 7, [(1, "W-1", d(10), d("40.00")),
                                       (2, "W-2", d(5), d("25.00"))]),
        pb.entry(1, DAY, [("1300", d("65.00"), ZERO, None), ("2150", ZERO, d("65.00"), None)]),
        pb.receipt(2, days(2), "globex", 8, [(1, "W-1", d(2), d("9.00"))]),
        pb.entry(2, days(2), [("1300", d("9.00"), ZERO, None), ("2150", ZERO, d("9.00"), None)]),
        pb.bill(1, "acme", days(5), [
            pb.bill_line(1, d("16.40"), sku="W-1", quantity=d(4), matched=(1, 1, d("16.00"))),
            pb.bill_line(2, d("100.00"), quantity=d(1)),
        ]),
        pb.entry(3, days(5), [("2150", d("16.00"), ZERO, None), ("5200", d("0.40"), ZERO, None),
                              ("6100", d("100.00"), ZERO, None),
                              ("2100", ZERO, d("116.40"), None)]),
        pb.receipt(3, days(8), "acme", 7, [(2, "W-2", d(-2), d("-10.00"))], reverses=1),
        pb.entry(4, days(8), [("2150", d("10.00"), ZERO, None), ("1300", ZERO, d("10.00"), None)]),
        pb.bill(2, "globex", days(9), [
            pb.bill_line(1, d("4.50"), sku="W-1", quantity=d(1), matched=(2, 1, d("4.50"))),
            pb.bill_line(2, d("4.50"), sku="W-1", quantity=d(1), matched=(2, 1, d("4.50"))),
        ]),
        pb.entry(5, days(9), [("2150", d("9.00"), ZERO, None), ("2100", ZERO, d("9.00"), None)]),
    ]  # fmt: skip


async def unbilled(client: ServiceClient, as_of: dt.date, **params: str) -> dict[str, Any]:
    return await report(client, "/reports/unbilled-receipts", as_of=as_of.isoformat(), **params)


def lines(body: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (
            *(r[k] for k in ("day", "supplier", "purchase_order_id", "sku")),
            Decimal(r["unbilled_quantity"]),
            Decimal(r["unbilled_value"]),
        )
        for r in body["rows"]
    ]


async def grni_in_ledger(client: ServiceClient, as_of: dt.date) -> Decimal:
    ledger = await report(client, "/reports/trial-balance", as_of=as_of.isoformat())
    row = next((r for r in ledger["rows"] if r["account"] == "2150"), None)
    return ZERO if row is None else Decimal(row["credit"]) - Decimal(row["debit"])


async def test_unbilled_receipts_as_of_each_day(reporting: ServiceClient) -> None:
    await feed(reporting, events())
    first, second = DAY.isoformat(), days(2).isoformat()
    for _ in range(2):  # as delivered, then rebuilt from the kept events
        assert lines(await unbilled(reporting, days(-1))) == []
        assert lines(await unbilled(reporting, days(4))) == [
            (first, "acme", 7, "W-1", Decimal(10), Decimal("40.00")),
            (first, "acme", 7, "W-2", Decimal(5), Decimal("25.00")),
            (second, "globex", 8, "W-1", Decimal(2), Decimal("9.00")),
        ]
        assert lines(await unbilled(reporting, days(8))) == [
            (first, "acme", 7, "W-1", Decimal(6), Decimal("24.00")),  # 4 billed on day 5
            (first, "acme", 7, "W-2", Decimal(3), Decimal("15.00")),  # 2 sent back on day 8
            (second, "globex", 8, "W-1", Decimal(2), Decimal("9.00")),
        ]
        assert lines(await unbilled(reporting, days(9), supplier="acme")) == [
            (first, "acme", 7, "W-1", Decimal(6), Decimal("24.00")),
            (first, "acme", 7, "W-2", Decimal(3), Decimal("15.00")),
        ]
        assert lines(await unbilled(reporting, days(9), supplier="globex")) == []  # all billed
        await replay(reporting)


async def test_unbilled_receipts_total_is_the_ledgers_grni(reporting: ServiceClient) -> None:
    await feed(reporting, events())
    expected = {-1: ZERO, 0: Decimal(65), 2: Decimal(74), 5: Decimal(58), 8: Decimal(48),
                9: Decimal(39), 30: Decimal(39)}  # fmt: skip
    for n, balance in expected.items():
        body = await unbilled(reporting, days(n))
        total = Decimal(body["totals"]["unbilled_value"])
        assert total == balance == await grni_in_ledger(reporting, days(n)), n
        assert Decimal(body["total_rows"][0]["unbilled_value"]) == total


async def test_unbilled_receipts_as_csv(reporting: ServiceClient) -> None:
    await feed(reporting, events())
    params = {"as_of": days(9).isoformat(), "format": "csv"}
    response = await reporting.get("/reports/unbilled-receipts", params=params)
    assert response.status_code == 200, response.text
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0][:4] == ["day", "supplier", "purchase_order_id", "purchase_order_line"]
    assert [r[1] for r in rows[1:-1]] == ["acme", "acme"]
    assert rows[-1][0] == "Total" and Decimal(rows[-1][-1]) == Decimal(39)
    bad = await reporting.get("/reports/unbilled-receipts", params={"as_of": "2024-02-30"})
    assert bad.status_code == 422 and "as_of" in {e["field"] for e in bad.json()["errors"]}


async def test_a_debit_note_on_a_receipt_line_makes_it_unbilled_again(
    reporting: ServiceClient,
) -> None:
    """Day 12: acme credits 1 of the 4 W-1 billed on day 5 (4.10 of the 16.40, giving back
    4.00 of GRNI and 0.10 of variance): receipt 1's W-1 line is unbilled by 1 more from then."""
    d = Decimal
    credited = pb.bill_line(1, d("4.10"), sku="W-1", quantity=d(1), matched=(1, 1, d("4.00")))
    note = b.debit_note_posted(1, 1, "acme", days(12), d("4.10"), open_amount=d("112.30"),
                               lines=[credited])  # fmt: skip
    grni = pb.entry(6, days(12), [("2100", d("4.10"), ZERO, None), ("2150", ZERO, d("4.00"), None),
                                  ("5200", ZERO, d("0.10"), None)])  # fmt: skip
    await feed(reporting, [*events(), note, grni])
    for _ in range(2):  # as delivered, then rebuilt
        w1 = [r for r in lines(await unbilled(reporting, days(12))) if r[3] == "W-1"]
        assert w1 == [(DAY.isoformat(), "acme", 7, "W-1", d(7), d("28.00"))]
        before = [r for r in lines(await unbilled(reporting, days(11))) if r[3] == "W-1"]
        assert before == [(DAY.isoformat(), "acme", 7, "W-1", d(6), d("24.00"))]
        for n in (11, 12):
            total = d((await unbilled(reporting, days(n)))["totals"]["unbilled_value"])
            assert total == await grni_in_ledger(reporting, days(n)), n
        await replay(reporting)
