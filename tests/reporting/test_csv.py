"""?format=csv: RFC 4180 with a header row, exact decimals and a file name."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from tests.reporting import builders as b
from tests.reporting.conftest import feed
from tests.support.clients import ServiceClient


async def test_csv_has_header_exact_decimals_quoting_and_filename(reporting: ServiceClient) -> None:
    day = dt.date(2024, 5, 6)
    await feed(
        reporting,
        [
            b.invoice_issued(1, 'Smith, "Jr" & Co', day, [("A", Decimal(3), Decimal("10.05"))]),
            b.journal(
                1,
                day,
                [("1100", Decimal("0.10"), Decimal(0)), ("4000", Decimal(0), Decimal("0.10"))],
            ),
        ],
    )
    response = await reporting.get(
        "/reports/ar-aging", params={"as_of": "2024-06-30", "format": "csv"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert (
        response.headers["content-disposition"] == 'attachment; filename="ar-aging-2024-06-30.csv"'
    )
    assert "\r\n" in response.text
    assert '"Smith, ""Jr"" & Co"' in response.text  # RFC 4180 quoting
    rows = list(csv.reader(io.StringIO(response.text)))
    header = ["customer", "currency", "current", "1_30", "31_60", "61_90", "over_90", "total"]
    assert rows[0] == header
    assert rows[1][0] == 'Smith, "Jr" & Co'
    assert Decimal(rows[1][header.index("31_60")]) == Decimal("10.05") and Decimal(
        rows[1][-1]
    ) == Decimal("10.05")
    assert rows[-1][:2] == ["Total", "USD"] and Decimal(rows[-1][-1]) == Decimal("10.05")

    tb = await reporting.get(
        "/reports/trial-balance", params={"as_of": "2024-05-31", "format": "csv"}
    )
    table = list(csv.reader(io.StringIO(tb.text)))
    assert table[0] == [
        "account",
        "name",
        "type",
        "debit_total",
        "credit_total",
        "debit",
        "credit",
    ]
    by_account = {r[0]: r for r in table[1:]}
    assert by_account["1100"][1] == "Cash and bank"
    assert Decimal(by_account["1100"][5]) == Decimal("0.10")
    assert table[-1][0] == "Total"  # the totals row closes the file
    assert Decimal(table[-1][5]) == Decimal(table[-1][6]) == Decimal("0.10")
