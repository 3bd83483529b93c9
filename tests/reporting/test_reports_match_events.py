"""Every report against figures computed straight from a random workload's events, delivered
in a random order with redeliveries; then a rebuild must give the same answers."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.reporting.domain.rebuild import rebuild
from tests.reporting.conftest import feed, wipe
from tests.reporting.workload import Expected, Workload, workloads
from tests.support.clients import ServiceClient

END = dt.date(2025, 12, 31)


def dec(value: Any) -> Decimal:
    return Decimal(str(value))


async def get(client: ServiceClient, path: str, **params: Any) -> dict[str, Any]:
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def check_all(client: ServiceClient, expected: Expected, checkpoints: list[dt.date]) -> None:
    for day in checkpoints:
        tb = await get(client, "/reports/trial-balance", as_of=day.isoformat())
        got = {r["account"]: (dec(r["debit_total"]), dec(r["credit_total"])) for r in tb["rows"]}
        assert got == expected.trial_balance(day), day
        assert tb["totals"]["balanced"] is True

        stock = await get(client, "/reports/stock-valuation", as_of=day.isoformat())
        got_stock = {
            (r["sku"], r["warehouse"]): (dec(r["quantity"]), dec(r["value"])) for r in stock["rows"]
        }
        assert got_stock == expected.stock(day), day

        aging = await get(client, "/reports/ar-aging", as_of=day.isoformat())
        got_aging = {(r["customer"], r["currency"]): dec(r["total"]) for r in aging["rows"]}
        assert got_aging == expected.aging(day), day

        recon = await get(client, "/reports/reconciliation", as_of=day.isoformat())
        want = expected.reconciliation(day)
        assert {k: dec(recon["totals"][k]) for k in want} == want, day

        sheet = await get(client, "/reports/balance-sheet", as_of=day.isoformat())
        assert sheet["totals"]["balanced"] is True

    start = checkpoints[0]
    pnl = await get(
        client, "/reports/profit-and-loss", **{"from": start.isoformat(), "to": END.isoformat()}
    )
    assert {r["account"]: dec(r["amount"]) for r in pnl["rows"]} == expected.profit(start, END)

    moves = await get(
        client,
        "/reports/stock-movements",
        **{"from": "2024-01-01", "to": END.isoformat(), "group_by": "month,warehouse,type"},
    )
    got_moves: dict[tuple[str, ...], Decimal] = {}
    for r in moves["rows"]:  # one row per unit as well
        key = (r["period"], r["warehouse"], r["type"])
        got_moves[key] = got_moves.get(key, Decimal(0)) + dec(r["net_value"])
    want_moves = expected.movements(dt.date(2024, 1, 1), END)
    assert got_moves == want_moves
    check_unit_totals(moves, ("net_quantity",), "net_value")

    sales = await get(
        client,
        "/reports/sales",
        **{"from": "2024-01-01", "to": END.isoformat(), "group_by": "month,customer,item"},
    )
    got_sales = {
        (r["period"], r["customer"], r["item"]): (
            dec(r["quantity"]),
            dec(r["revenue"]),
            dec(r["cogs"]),
        )
        for r in sales["rows"]
    }
    assert got_sales == expected.sales(dt.date(2024, 1, 1), END)
    for r in sales["rows"]:
        assert dec(r["margin"]) == dec(r["revenue"]) - dec(r["cogs"])
    check_unit_totals(sales, ("quantity",), "revenue")


def check_unit_totals(report: dict[str, Any], quantities: tuple[str, ...], amount: str) -> None:
    """The last totals row holds every row's amount; quantities only ever add up per unit."""
    rows, totals = report["rows"], report["total_rows"]
    assert sum((dec(r[amount]) for r in rows), Decimal(0)) == dec(totals[-1][amount])
    units = {r["uom"] for r in rows}
    for total in totals:
        if total["uom"] is None:
            assert all(total[q] is None for q in quantities)
            continue
        mine = [r for r in rows if r["uom"] == total["uom"]]
        for q in quantities:
            assert dec(total[q]) == sum((dec(r[q]) for r in mine), Decimal(0))
    if len(units) > 1 or None in units:
        assert totals[-1]["uom"] is None  # no one number for mixed units


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(workload=workloads(), seed=st.integers(0, 2**32 - 1))
async def test_reports_match_events_in_any_order(
    reporting: ServiceClient, workload: Workload, seed: int
) -> None:
    await wipe(reporting)
    shuffled = list(workload.events)
    rng = random.Random(seed)
    rng.shuffle(shuffled)
    redelivered = shuffled + rng.sample(shuffled, k=min(3, len(shuffled)))  # duplicates
    await feed(reporting, redelivered)
    expected = Expected(workload.events)
    points = [*sorted(workload.days)[:3], END]
    checkpoints = sorted({dt.date(2023, 12, 31), *points})
    await check_all(reporting, expected, checkpoints)

    async def replay(conn: AsyncConnection) -> None:
        replayed = await rebuild(conn, advance=lambda n: None)
        assert replayed == len(workload.events)

    await reporting.app.state.runtime.db.run(replay)
    await check_all(reporting, expected, checkpoints)
