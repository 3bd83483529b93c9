"""The AR aging counts days past each invoice's due date, from the events finance sends; an
invoice whose events carried no due date is due on its day. The same after a rebuild."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tests.reporting import builders as b
from tests.reporting.conftest import feed
from tests.reporting.test_invoice_states import LINES, replay, report
from tests.support.clients import ServiceClient

DAY = dt.date(2024, 5, 6)


async def buckets_of(client: ServiceClient, as_of: dt.date) -> dict[str, dict[str, Decimal]]:
    aging = await report(client, "/reports/ar-aging", as_of=as_of.isoformat())
    names = ("current", "1_30", "31_60", "61_90", "over_90")
    return {
        r["customer"]: {n: Decimal(r[n]) for n in names if Decimal(r[n])} for r in aging["rows"]
    }


async def test_aging_counts_days_past_the_due_date(reporting: ServiceClient) -> None:
    net60 = DAY + dt.timedelta(days=60)
    await feed(
        reporting,
        [
            b.invoice_issued(1, "net60", DAY, LINES, due=net60),
            b.invoice_issued(2, "old", DAY, LINES),  # sent before due dates travelled
            b.invoice_status(2, "old", DAY, "issued", Decimal("100.00"), b.moment(DAY, 10)),
        ],
    )
    for _ in range(2):  # as delivered, then rebuilt from the kept events
        assert await buckets_of(reporting, DAY + dt.timedelta(days=45)) == {
            "net60": {"current": Decimal(100)},
            "old": {"31_60": Decimal(100)},
        }
        assert await buckets_of(reporting, net60 + dt.timedelta(days=1)) == {
            "net60": {"1_30": Decimal(100)},
            "old": {"61_90": Decimal(100)},
        }
        await replay(reporting)


async def test_a_credit_note_comes_off_the_open_amount_from_its_date(
    reporting: ServiceClient,
) -> None:
    await feed(
        reporting,
        [
            b.invoice_issued(1, "acme", DAY, LINES, due=DAY),
            b.credit_note(1, 1, DAY + dt.timedelta(days=3), Decimal("40.00")),
        ],
    )
    for _ in range(2):  # as delivered, then rebuilt from the kept events
        assert await buckets_of(reporting, DAY + dt.timedelta(days=2)) == {
            "acme": {"1_30": Decimal(100)}
        }
        assert await buckets_of(reporting, DAY + dt.timedelta(days=3)) == {
            "acme": {"1_30": Decimal(60)}
        }
        await replay(reporting)
