"""The tax report from finance's journal events: per tax code the taxable amount and the tax,
output on sales and input on purchases, in the period each line is dated; tax posted without a
code is a row of its own; a rebuild gives the same figures. (That it gives finance's own
figures is in tests/finance/test_reporting_agrees.py.)"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from tests.reporting import purchase_builders as pb
from tests.reporting.conftest import feed
from tests.reporting.test_invoice_states import replay, report
from tests.support.clients import ServiceClient

DAY = dt.date(2024, 5, 6)
ZERO = Decimal(0)


def events() -> list[Any]:
    """A sale at 20% and a zero-rated one (no tax line: the receivable makes it output) on
    DAY; a purchase at 20% on day 3; an older entry's tax without a code on day 4; the first
    sale reversed in June."""
    d = Decimal
    sale = [("1200", d(120), ZERO, None), ("4000", ZERO, d(100), "VAT20"),
            ("2200", ZERO, d(20), "VAT20")]  # fmt: skip
    return [
        pb.entry(1, DAY, sale, source="invoice"),
        pb.entry(2, DAY, [("1200", d(50), ZERO, None), ("4000", ZERO, d(50), "ZERO")]),
        pb.entry(3, DAY + dt.timedelta(days=3), [
            ("6100", d(200), ZERO, "IVAT20"), ("1400", d(40), ZERO, "IVAT20"),
            ("2100", ZERO, d(240), None),
        ]),
        pb.entry(4, DAY + dt.timedelta(days=4), [("1200", d(5), ZERO, None),
                                                 ("2200", ZERO, d(5), None)]),
        pb.entry(5, dt.date(2024, 6, 10), [(a, c, db, code) for a, db, c, code in sale]),
    ]  # fmt: skip


async def tax(client: ServiceClient, start: str, end: str) -> tuple[Any, ...]:
    body = await report(client, "/reports/tax", **{"from": start, "to": end})
    rows = {
        (r["kind"], r["code"]): (Decimal(r["taxable"]), Decimal(r["tax"])) for r in body["rows"]
    }
    sums = tuple(Decimal(body["totals"][k]) for k in ("output_tax", "input_tax", "net_due"))
    return [(r["kind"], r["code"]) for r in body["rows"]], rows, sums


async def test_tax_per_code_in_the_period_each_line_is_dated(reporting: ServiceClient) -> None:
    await feed(reporting, events())
    for _ in range(2):  # as delivered, then rebuilt from the kept events
        order, rows, sums = await tax(reporting, "2024-05-01", "2024-05-31")
        assert order == [("output", "VAT20"), ("output", "ZERO"), ("output", None),
                         ("input", "IVAT20")]  # fmt: skip
        assert rows == {
            ("output", "VAT20"): (Decimal(100), Decimal(20)),
            ("output", "ZERO"): (Decimal(50), ZERO),
            ("output", None): (ZERO, Decimal(5)),
            ("input", "IVAT20"): (Decimal(200), Decimal(40)),
        }
        assert sums == (Decimal(25), Decimal(40), Decimal(-15))
        _, rows, sums = await tax(reporting, "2024-05-01", "2024-05-06")  # before the purchase
        assert ("input", "IVAT20") not in rows and sums == (Decimal(20), ZERO, Decimal(20))
        _, june, sums = await tax(reporting, "2024-06-01", "2024-06-30")  # the reversal
        assert june == {("output", "VAT20"): (Decimal(-100), Decimal(-20))}
        assert sums == (Decimal(-20), ZERO, Decimal(-20))
        _, rows, _ = await tax(reporting, "2024-05-01", "2024-06-30")
        assert rows[("output", "VAT20")] == (ZERO, ZERO)
        await replay(reporting)


async def test_bad_tax_ranges_name_the_field(reporting: ServiceClient) -> None:
    for params, field in (
        ({"from": "2024-06-01", "to": "2024-05-31"}, "from"),
        ({"from": "2000-01-01", "to": "2024-05-31"}, "to"),
        ({"from": "2024-02-30"}, "from"),
    ):
        response = await reporting.get("/reports/tax", params=params)
        assert response.status_code == 422, response.text
        assert field in {e["field"] for e in response.json()["errors"]}
