"""GET /stock?as_of= reads a date as the whole day (movements dated on or before it,
reservations active at its end) and a timestamp as that instant; `verify` proves the ledger
lines those positions are read from."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import text

from erp.inventory.domain.verify import verify_balances
from erp.inventory.main import SPEC
from erp.platform import calendar
from tests.inventory.builders import days_ago, item, move, ok, receive, stock, warehouse
from tests.support.clients import ServiceClient, service_client


def _figures(position: dict[str, Any]) -> tuple[Decimal, ...]:
    return tuple(Decimal(position[k]) for k in ("on_hand", "reserved", "available", "value"))


async def test_as_of_a_date_counts_that_whole_day(inventory: ServiceClient) -> None:
    await warehouse(inventory)
    await item(inventory, "A")
    for days, quantity in ((4, "10"), (2, "5")):
        lines = [{"sku": "A", "quantity": quantity, "unit_cost": "1"}]
        await ok(await move(inventory, "receipt", lines, posting_date=days_ago(days)))
    issue = [{"sku": "A", "quantity": "3"}]
    await ok(await move(inventory, "issue", issue, posting_date=days_ago(2)))
    await receive(inventory, "A", "1", "1")  # today

    assert await stock(inventory, "A", as_of=days_ago(5)) == {}
    assert Decimal((await stock(inventory, "A", as_of=days_ago(4)))["on_hand"]) == 10
    assert Decimal((await stock(inventory, "A", as_of=days_ago(3)))["on_hand"]) == 10
    assert Decimal((await stock(inventory, "A", as_of=days_ago(2)))["on_hand"]) == 12
    today = await stock(inventory, "A", as_of=days_ago(0))
    assert Decimal(today["on_hand"]) == 13, "today's date includes today's movements"
    assert _figures(today) == _figures(await stock(inventory, "A"))
    assert Decimal((await stock(inventory, "A", as_of="2999-12-31"))["on_hand"]) == 13


async def test_as_of_a_timestamp_is_that_instant_of_its_day(inventory: ServiceClient) -> None:
    await warehouse(inventory)
    await item(inventory, "A")
    first = await receive(inventory, "A", "10", "1")
    await asyncio.sleep(0.01)
    second = await receive(inventory, "A", "10", "3")
    at_first = await stock(inventory, "A", as_of=first["posted_at"])
    assert (Decimal(at_first["on_hand"]), Decimal(at_first["value"])) == (10, Decimal("10.00"))
    at_second = await stock(inventory, "A", as_of=second["posted_at"])
    assert Decimal(at_second["on_hand"]) == 20
    # A movement dated yesterday but written today is not there at yesterday's noon.
    lines = [{"sku": "B", "quantity": "2", "unit_cost": "1"}]
    await item(inventory, "B")
    await ok(await move(inventory, "receipt", lines, posting_date=days_ago(1)))
    assert await stock(inventory, "B", as_of=f"{days_ago(1)}T12:00:00Z") == {}
    assert Decimal((await stock(inventory, "B", as_of=days_ago(1)))["on_hand"]) == 2


async def test_as_of_a_past_date_takes_the_holds_active_at_its_end(
    inventory: ServiceClient,
) -> None:
    await warehouse(inventory)
    await item(inventory, "A")
    lines = [{"sku": "A", "quantity": "10", "unit_cost": "1"}]
    await ok(await move(inventory, "receipt", lines, posting_date=days_ago(1)))
    hold = await ok(
        await inventory.post(
            "/reservations", json={"sku": "A", "warehouse": "MAIN", "quantity": "4"}
        )
    )
    yesterday = await stock(inventory, "A", as_of=days_ago(1))
    assert _figures(yesterday) == (10, 0, 10, Decimal("10.00")), "the hold came today"
    end_of_yesterday = dt.datetime.combine(
        dt.date.fromisoformat(days_ago(0)), dt.time(), calendar.company_zone()
    )
    assert dt.datetime.fromisoformat(yesterday["as_of"]) == end_of_yesterday
    now = await stock(inventory, "A", as_of=days_ago(0))
    assert _figures(now) == (10, 4, 6, Decimal("10.00"))
    # Issuing part of the hold: what it held before stays visible at an earlier instant.
    before_issue = dt.datetime.now(dt.UTC).isoformat()
    drawn = [{"sku": "A", "quantity": "1", "reservation_id": hold["id"]}]
    await ok(await move(inventory, "issue", drawn))
    assert _figures(await stock(inventory, "A", as_of=before_issue)) == (
        10,
        4,
        6,
        Decimal("10.00"),
    )
    assert _figures(await stock(inventory, "A")) == (9, 3, 6, Decimal("9.00"))


async def test_out_of_range_as_of_is_422(inventory: ServiceClient) -> None:
    for value in ("0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00", "2026-02-30"):
        response = await inventory.get("/stock", params={"as_of": value})
        assert response.status_code == 422, value
        assert response.json()["errors"][0]["field"] == "as_of"


async def test_as_of_a_date_ends_the_day_in_the_company_zone(
    database_for: Any, tmp_path: Path
) -> None:
    url = await database_for(SPEC)
    try:
        await _end_of_day_in_kiritimati(url, tmp_path)
    finally:
        calendar.use_zone("UTC")  # the zone is the process's: leave it as other tests expect


async def _end_of_day_in_kiritimati(url: str, tmp_path: Path) -> None:
    async with service_client(
        SPEC, database_url=url, data_dir=tmp_path, company_timezone="Pacific/Kiritimati"
    ) as client:
        await warehouse(client)
        await item(client, "A")
        lines = [{"sku": "A", "quantity": "1", "unit_cost": "1"}]
        await ok(await move(client, "receipt", lines, posting_date=days_ago(1)))
        position = await stock(client, "A", as_of=days_ago(1))
        # UTC+14: the day ends at 10:00 UTC of the day before the next one starts there.
        end = dt.datetime.fromisoformat(position["as_of"])
        assert end.utcoffset() == dt.timedelta(0)
        assert end.astimezone(calendar.company_zone()).time() == dt.time()
        assert end.astimezone(calendar.company_zone()).date().isoformat() == days_ago(0)


async def test_verify_checks_every_ledger_line_positions_are_read_from(
    inventory: ServiceClient,
) -> None:
    await warehouse(inventory)
    await item(inventory, "A")
    for days in (3, 2, 1):
        lines = [{"sku": "A", "quantity": "1", "unit_cost": "1"}]
        await ok(await move(inventory, "receipt", lines, posting_date=days_ago(days)))
    db = inventory.app.state.runtime.db
    async with db.read() as conn:
        assert (await verify_balances(conn))[1] == []
    # A middle line's running balance, which only `as_of` reads, and a line's date order.
    async with db.transaction() as conn:
        middle = (await conn.execute(text("SELECT id FROM stock_ledger ORDER BY id"))).scalars()
        first, second, _ = list(middle)
        await conn.execute(
            text("UPDATE stock_ledger SET on_hand_after = on_hand_after * 2 WHERE id = :id"),
            {"id": second},
        )
        await conn.execute(
            text("UPDATE stock_ledger SET posting_date = :d WHERE id = :id"),
            {"id": first, "d": dt.date.fromisoformat(days_ago(0))},
        )
    async with db.read() as conn:
        _, mismatches = await verify_balances(conn)
    fields = sorted(m.field for m in mismatches)
    assert fields == [
        f"on_hand_after (ledger line {second})",
        f"posting_date (ledger line {second})",
    ], mismatches
