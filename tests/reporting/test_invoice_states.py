"""Only issued invoices count: draft, pending and on-hold ones are in no report as of any
date; the events of the asynchronous issue change no figure; a reversed payment reopens its
invoice from the reversal's date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from erp.contracts import EVENTS
from erp.reporting.domain.rebuild import rebuild
from erp.reporting.events.handlers import SUBSCRIPTIONS
from tests.reporting import builders as b
from tests.reporting.conftest import feed
from tests.support.clients import ServiceClient

DAY = dt.date(2024, 5, 6)
LINES = [("A", Decimal(2), Decimal("100.00"))]


async def report(client: ServiceClient, path: str, **params: str) -> dict[str, Any]:
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def open_by_customer(client: ServiceClient, as_of: dt.date) -> dict[str, Decimal]:
    aging = await report(client, "/reports/ar-aging", as_of=as_of.isoformat())
    return {r["customer"]: Decimal(r["total"]) for r in aging["rows"]}


async def sold_by_customer(client: ServiceClient) -> dict[str, Decimal]:
    sales = await report(
        client,
        "/reports/sales",
        **{"from": "2024-01-01", "to": "2024-12-31", "group_by": "customer"},
    )
    return {r["customer"]: Decimal(r["revenue"]) for r in sales["rows"]}


async def replay(client: ServiceClient) -> None:
    async def work(conn: AsyncConnection) -> None:
        await rebuild(conn, advance=lambda n: None)

    await client.app.state.runtime.db.run(work)


async def test_pending_and_on_hold_invoices_are_in_no_report(reporting: ServiceClient) -> None:
    total = Decimal("100.00")
    await feed(
        reporting,
        [
            # 1: asked for its goods, which never came: pending, then on hold
            b.invoice_status(1, "held", DAY, "pending", total, b.moment(DAY, 8), previous="draft"),
            b.issue_requested(1, "held", DAY, LINES),
            b.invoice_status(
                1, "held", DAY, "on_hold", total, b.moment(DAY, 9), previous="pending"
            ),
            # 2: issued the old way, then held when the goods could not leave
            b.invoice_issued(2, "old-held", DAY, LINES),
            b.invoice_status(2, "old-held", DAY, "on_hold", total, b.moment(DAY, 10)),
            # 3: pending, then issued once inventory issued the goods (the status event of the
            # issue arrives late)
            b.invoice_status(
                3, "issued", DAY, "pending", total, b.moment(DAY, 8), previous="draft"
            ),
            b.issue_requested(3, "issued", DAY, LINES),
            b.goods_issued(3, DAY),
            b.invoice_issued(3, "issued", DAY, LINES),
            # 4: still pending
            b.invoice_status(
                4, "waiting", DAY, "pending", total, b.moment(DAY, 8), previous="draft"
            ),
        ],
    )
    for _ in range(2):  # as delivered, then rebuilt from the kept events
        for as_of in (DAY, DAY + dt.timedelta(days=40), dt.date(2025, 6, 30)):
            assert await open_by_customer(reporting, as_of) == {"issued": total}, as_of
        assert await sold_by_customer(reporting) == {"issued": total}
        await replay(reporting)


async def test_statuses_follow_the_invoice_event_order_not_the_clocks(
    reporting: ServiceClient,
) -> None:
    total = Decimal("100.00")
    # Published in this order by finance replicas whose clocks differ: the `pending` one says
    # it happened after the issue, the issue arrives first.
    pending = b.invoice_status(
        3, "issued", DAY, "pending", total, b.moment(DAY, 18), previous="draft"
    )
    issued = b.invoice_issued(3, "issued", DAY, LINES)
    await feed(reporting, [issued, pending])
    assert await open_by_customer(reporting, DAY) == {"issued": total}
    # A hold published after the issue wins even with an earlier clock.
    held = b.invoice_status(3, "issued", DAY, "on_hold", total, b.moment(DAY, 1))
    await feed(reporting, [held])
    assert await open_by_customer(reporting, DAY) == {}


def test_reporting_subscribes_to_every_event_it_may_have_to_replay() -> None:
    assert set(SUBSCRIPTIONS) == {payload.TOPIC for payload in EVENTS}


async def test_the_issue_request_and_goods_issued_change_no_figure(
    reporting: ServiceClient,
) -> None:
    await feed(reporting, [b.invoice_issued(1, "c", DAY, LINES)])
    before = {
        path: (await report(reporting, path, as_of="2024-12-31"))["rows"]
        for path in ("/reports/ar-aging", "/reports/trial-balance", "/reports/stock-valuation")
    }
    await feed(reporting, [b.issue_requested(1, "c", DAY, LINES), b.goods_issued(1, DAY)])
    for path, rows in before.items():
        assert (await report(reporting, path, as_of="2024-12-31"))["rows"] == rows, path
    kept = await reporting.app.state.runtime.db.run(_count_kept)
    assert kept == 3  # kept for a rebuild all the same


async def _count_kept(conn: AsyncConnection) -> int:
    from sqlalchemy import func, select

    from erp.reporting.models import received_events

    return int((await conn.execute(select(func.count()).select_from(received_events))).scalar_one())


async def test_a_reversed_payment_reopens_the_invoice_from_the_reversal_date(
    reporting: ServiceClient,
) -> None:
    paid_on, reversed_on = DAY + dt.timedelta(days=10), DAY + dt.timedelta(days=20)
    # The reversal may arrive before the payment it reverses.
    await feed(
        reporting,
        [
            b.invoice_issued(1, "c", DAY, LINES),
            b.payment_reversed(7, 1, reversed_on, Decimal("60.00")),
            b.payment(7, 1, paid_on, Decimal("60.00")),
        ],
    )
    for _ in range(2):
        assert await open_by_customer(reporting, paid_on - dt.timedelta(days=1)) == {
            "c": Decimal("100.00")
        }
        assert await open_by_customer(reporting, paid_on) == {"c": Decimal("40.00")}
        assert await open_by_customer(reporting, reversed_on - dt.timedelta(days=1)) == {
            "c": Decimal("40.00")
        }
        assert await open_by_customer(reporting, reversed_on) == {"c": Decimal("100.00")}
        await replay(reporting)
