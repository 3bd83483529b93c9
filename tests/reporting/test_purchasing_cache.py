"""The purchases, unbilled receipts and tax reports are cached like the others, and forgotten
when a receipt, a bill or a journal entry dated within what they answer arrives."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from tests.reporting import purchase_builders as pb
from tests.reporting.conftest import feed
from tests.support.clients import ServiceClient

JAN = dt.date(2024, 1, 10)
ZERO = Decimal(0)
IN_JANUARY = {"from": "2024-01-01", "to": "2024-01-31"}


async def ask(client: ServiceClient, path: str, params: dict[str, str], total: str) -> Any:
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.headers["x-cache"], Decimal(response.json()["totals"][total])


async def test_receipts_and_bills_invalidate_what_they_change(cached: ServiceClient) -> None:
    grni = ("/reports/unbilled-receipts", {"as_of": "2024-01-31"}, "unbilled_value")
    bought = ("/reports/purchases", {**IN_JANUARY, "group_by": "supplier"}, "amount")
    await feed(cached, [pb.receipt(1, JAN, "acme", 7, [(1, "W-1", Decimal(10), Decimal(40))])])
    assert await ask(cached, *grni) == ("miss", Decimal(40))
    assert await ask(cached, *grni) == ("hit", Decimal(40))
    assert await ask(cached, *bought) == ("miss", ZERO)
    assert await ask(cached, *bought) == ("hit", ZERO)
    line = pb.bill_line(1, Decimal("16.40"), sku="W-1", quantity=Decimal(4),
                        matched=(1, 1, Decimal(16)))  # fmt: skip
    await feed(cached, [pb.bill(1, "acme", JAN + dt.timedelta(days=5), [line])])
    assert await ask(cached, *grni) == ("miss", Decimal(24))
    assert await ask(cached, *bought) == ("miss", Decimal("16.40"))
    # A bill dated after what is asked leaves both answers standing.
    await feed(cached, [pb.bill(2, "acme", dt.date(2024, 2, 5), [pb.bill_line(1, Decimal(5))])])
    assert await ask(cached, *grni) == ("hit", Decimal(24))
    assert await ask(cached, *bought) == ("hit", Decimal("16.40"))


async def test_journal_entries_invalidate_the_tax_report(cached: ServiceClient) -> None:
    sale = [("1200", Decimal(12), ZERO, None), ("4000", ZERO, Decimal(10), "VAT20"),
            ("2200", ZERO, Decimal(2), "VAT20")]  # fmt: skip
    await feed(cached, [pb.entry(1, JAN, sale)])
    tax = ("/reports/tax", IN_JANUARY, "output_tax")
    assert await ask(cached, *tax) == ("miss", Decimal(2))
    assert await ask(cached, *tax) == ("hit", Decimal(2))
    await feed(cached, [pb.entry(2, dt.date(2024, 2, 1), sale)])
    assert await ask(cached, *tax) == ("hit", Decimal(2))
    await feed(cached, [pb.entry(3, JAN, sale)])
    assert await ask(cached, *tax) == ("miss", Decimal(4))
