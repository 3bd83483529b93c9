"""Low stock from positions against the items' reorder points, not only from the alerts an
outflow raises when it crosses one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from erp.reporting.domain.rebuild import rebuild
from tests.reporting import builders as b
from tests.reporting.conftest import feed
from tests.support.clients import ServiceClient

DAY = dt.date(2024, 5, 6)
AT = b.moment(DAY)


def receipt(movement_id: int, sku: str, warehouse: str, quantity: int) -> Any:
    value = Decimal(quantity) * 10
    return b.stock_moved(
        movement_id, "receipt", warehouse, AT, [(sku, warehouse, Decimal(quantity), value)]
    )


async def low(client: ServiceClient, as_of: str = "2024-05-31") -> list[tuple[Any, ...]]:
    response = await client.get("/reports/low-stock", params={"as_of": as_of})
    assert response.status_code == 200, response.text
    return [
        (r["sku"], r["warehouse"], Decimal(r["on_hand"]), Decimal(r["reorder_point"]))
        for r in response.json()["rows"]
    ]


async def test_positions_below_their_reorder_point_are_listed(reporting: ServiceClient) -> None:
    await feed(
        reporting,
        [
            b.item_changed("LOW", "Low", "pcs", Decimal(10), AT),
            receipt(1, "LOW", "W1", 5),  # 5 < 10: no outflow ever crossed the point
            receipt(2, "LOW", "W2", 12),  # above it in this warehouse
            b.item_changed("NEVER", "Never received", "pcs", Decimal(3), AT),
            b.item_changed("PLENTY", "Plenty", "pcs", Decimal(2), AT),
            receipt(3, "PLENTY", "W1", 50),
            b.item_changed("GONE", "Discontinued", "pcs", Decimal(5), AT, active=False),
            b.item_changed("NOPOINT", "No point", "pcs", Decimal(0), AT),
            # never described: the alert's reorder point is all there is
            receipt(4, "OLD", "W1", 1),
            b.low_stock("OLD", "W1", Decimal(4), Decimal(1), DAY),
        ],
    )
    expected = [
        ("LOW", "W1", Decimal(5), Decimal(10)),
        ("NEVER", None, Decimal(0), Decimal(3)),
        ("OLD", "W1", Decimal(1), Decimal(4)),
    ]
    assert await low(reporting) == expected
    assert await low(reporting, "2024-05-01") == [  # before any receipt: everything at 0
        ("LOW", None, Decimal(0), Decimal(10)),
        ("OLD", "W1", Decimal(0), Decimal(4)),
        ("NEVER", None, Decimal(0), Decimal(3)),
        ("PLENTY", None, Decimal(0), Decimal(2)),
    ]

    async def work(conn: AsyncConnection) -> None:
        await rebuild(conn, advance=lambda n: None)

    await reporting.app.state.runtime.db.run(work)
    assert await low(reporting) == expected

    # Raising the reorder point lists the other warehouse too.
    later = AT + dt.timedelta(hours=1)
    await feed(reporting, [b.item_changed("LOW", "Low", "pcs", Decimal(20), later)])
    assert [(s, w) for s, w, _, _ in await low(reporting)][:2] == [("LOW", "W1"), ("LOW", "W2")]


async def test_the_dashboard_lists_them(reporting: ServiceClient) -> None:
    await feed(
        reporting,
        [
            b.item_changed("LOW", "Low chair", "pcs", Decimal(10), AT),
            receipt(1, "LOW", "W1", 5),
            b.item_changed("NEVER", "Never received", "kg", Decimal(3), AT),
        ],
    )
    page = await reporting.get("/dashboard", params={"fragment": "1"})
    assert page.status_code == 200
    panel = page.text.split("id='low-stock'")[1]
    assert "Low chair" in panel and "5 pcs" in panel and "10 pcs" in panel
    assert "Never received" in panel and "none held" in panel and "3 kg" in panel
