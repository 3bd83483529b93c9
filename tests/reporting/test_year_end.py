"""Finance's year-end closing entries (source `year-end`): the trial balance and balance sheet
count them, the profit and loss leaves them out."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from erp.reporting.domain.rebuild import rebuild
from tests.reporting.builders import journal
from tests.reporting.conftest import feed
from tests.support.clients import ServiceClient

D = Decimal
YEAR_END = dt.date(2025, 12, 31)
EVENTS = [
    journal(1, dt.date(2025, 1, 5), [("1100", D(1000), D(0)), ("3100", D(0), D(1000))]),
    journal(2, dt.date(2025, 3, 1), [("1100", D(500), D(0)), ("4000", D(0), D(500))]),
    journal(3, dt.date(2025, 6, 1), [("6100", D(200), D(0)), ("1100", D(0), D(200))]),
    journal(
        4,
        YEAR_END,
        [("4000", D(500), D(0)), ("6100", D(0), D(200)), ("3200", D(0), D(300))],
        source="year-end",
        source_ref="year:2025",
    ),
    journal(5, dt.date(2026, 1, 10), [("1100", D(40), D(0)), ("4000", D(0), D(40))]),
]


async def report(client: ServiceClient, name: str, **params: str) -> dict[str, Any]:
    response = await client.get(f"/reports/{name}", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def amounts(body: dict[str, Any]) -> dict[str, Decimal]:
    return {r["account"]: Decimal(str(r["amount"])) for r in body["rows"]}


async def check(client: ServiceClient) -> None:
    pnl = await report(client, "profit-and-loss", **{"from": "2025-01-01", "to": "2025-12-31"})
    assert amounts(pnl) == {"4000": D(500), "6100": D(200)}
    assert Decimal(str(pnl["totals"]["net_profit"])) == D(300)
    later = await report(client, "profit-and-loss", **{"from": "2025-06-01", "to": "2026-01-31"})
    assert amounts(later) == {"4000": D(40), "6100": D(200)}

    tb = await report(client, "trial-balance", as_of=YEAR_END.isoformat())
    nets = {r["account"]: D(str(r["debit"])) - D(str(r["credit"])) for r in tb["rows"]}
    assert nets["4000"] == nets["6100"] == 0 and nets["3200"] == D(-300)

    for day, profit in (("2025-12-30", D(300)), ("2025-12-31", D(0)), ("2026-01-31", D(40))):
        sheet = await report(client, "balance-sheet", as_of=day)
        assert sheet["totals"]["balanced"] is True, day
        assert amounts(sheet)["current-period-profit"] == profit, day
    assert amounts(await report(client, "balance-sheet", as_of="2026-01-31"))["3200"] == D(300)


async def test_closing_entries_stay_out_of_the_profit_and_loss(reporting: ServiceClient) -> None:
    await feed(reporting, EVENTS)
    await check(reporting)

    async def again(conn: AsyncConnection) -> None:
        await rebuild(conn, advance=lambda n: None)

    await reporting.app.state.runtime.db.run(again)
    await check(reporting)
