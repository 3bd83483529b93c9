"""Stock read models count a movement on its business day (a back-dated one on its posting
date), name items and count them in their unit from inventory.item-changed; a rebuild gives
the same figures, and events from before posting dates and units travelled still replay."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from erp.reporting.domain.rebuild import rebuild
from tests.reporting import builders as b
from tests.reporting.conftest import feed
from tests.support.clients import ServiceClient

MAY = dt.date(2024, 5, 20)
ONE = Decimal(1)


async def body(client: ServiceClient, path: str, **params: str) -> dict[str, Any]:
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def valuation(client: ServiceClient, as_of: dt.date) -> dict[tuple[str, str], Any]:
    report = await body(client, "/reports/stock-valuation", as_of=as_of.isoformat())
    return {(r["sku"], r["warehouse"]): r for r in report["rows"]}


async def replay(client: ServiceClient) -> int:
    async def work(conn: AsyncConnection) -> int:
        return await rebuild(conn, advance=lambda n: None)

    replayed: int = await client.app.state.runtime.db.run(work)
    return replayed


async def test_a_back_dated_movement_lands_on_its_posting_date(reporting: ServiceClient) -> None:
    back = MAY - dt.timedelta(days=10)
    events = [
        # posted on the 20th, for the 10th
        b.stock_moved(
            1,
            "receipt",
            "W1",
            b.moment(MAY),
            [("A", "W1", Decimal(4), Decimal("40.00"))],
            posting_date=back,
            uom={"A": "pcs"},
        ),
        # an event from before posting dates travelled: counts on the day it was posted (UTC)
        b.stock_moved(2, "receipt", "W1", b.moment(MAY, 23), [("B", "W1", ONE, Decimal("5.00"))]),
    ]
    await feed(reporting, events)
    for _ in range(2):  # as delivered, then rebuilt
        assert await valuation(reporting, back - dt.timedelta(days=1)) == {}
        on_back = await valuation(reporting, back)
        assert set(on_back) == {("A", "W1")}
        assert Decimal(on_back[("A", "W1")]["quantity"]) == 4
        assert set(await valuation(reporting, MAY)) == {("A", "W1"), ("B", "W1")}
        moves = await body(
            reporting,
            "/reports/stock-movements",
            **{"from": "2024-05-01", "to": "2024-05-31", "group_by": "day,item"},
        )
        assert [(r["period"], r["item"]) for r in moves["rows"]] == [
            (back.isoformat(), "A"),
            (MAY.isoformat(), "B"),
        ]
        assert await replay(reporting) == 2


async def test_items_are_named_and_counted_in_their_unit(reporting: ServiceClient) -> None:
    at = b.moment(MAY)
    await feed(
        reporting,
        [
            b.item_changed("A", "Oak chair", "pcs", Decimal(5), at),
            # an older description arriving later changes nothing
            b.item_changed("A", "Old name", "box", Decimal(1), at - dt.timedelta(days=3)),
            b.stock_moved(1, "receipt", "W1", at, [("A", "W1", Decimal(8), Decimal("80.00"))]),
            # B is known only from its stock line's unit
            b.stock_moved(
                2,
                "receipt",
                "W1",
                at,
                [("B", "W1", Decimal("2.5"), Decimal("10.00"))],
                uom={"B": "kg"},
            ),
        ],
    )
    for _ in range(2):
        rows = await valuation(reporting, MAY)
        assert (rows[("A", "W1")]["name"], rows[("A", "W1")]["uom"]) == ("Oak chair", "pcs")
        assert (rows[("B", "W1")]["name"], rows[("B", "W1")]["uom"]) == (None, "kg")
        await replay(reporting)
    # A later description wins, whatever the unit it had before.
    await feed(
        reporting, [b.item_changed("A", "Oak chair v2", "pcs", Decimal(5), at + dt.timedelta(1))]
    )
    assert (await valuation(reporting, MAY))[("A", "W1")]["name"] == "Oak chair v2"
