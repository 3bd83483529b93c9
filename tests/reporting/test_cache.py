"""The Redis cache answers repeated questions and forgets exactly what an event changes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from tests.reporting import builders as b
from tests.reporting.conftest import feed
from tests.support.clients import ServiceClient


def sale(entry_id: int, day: dt.date, amount: str) -> Any:
    return b.journal(
        entry_id,
        day,
        [("1100", Decimal(amount), Decimal(0)), ("4000", Decimal(0), Decimal(amount))],
    )


async def tb(client: ServiceClient, as_of: str) -> tuple[str, dict[str, Any]]:
    response = await client.get("/reports/trial-balance", params={"as_of": as_of})
    assert response.status_code == 200
    return response.headers["x-cache"], response.json()


async def test_cache_hits_and_is_invalidated_only_from_the_changed_date(
    cached: ServiceClient,
) -> None:
    await feed(cached, [sale(1, dt.date(2024, 1, 10), "5.00")])
    assert (await tb(cached, "2024-01-31"))[0] == "miss"
    assert (await tb(cached, "2024-01-31"))[0] == "hit"
    assert (await tb(cached, "2024-06-30"))[0] == "miss"
    assert (await tb(cached, "2024-06-30"))[0] == "hit"

    await feed(cached, [sale(2, dt.date(2024, 3, 5), "7.00")])  # changes figures from March on
    state, january = await tb(cached, "2024-01-31")
    assert state == "hit"  # before the change: still valid
    state, june = await tb(cached, "2024-06-30")
    assert state == "miss"  # after the change: computed again, with the new entry
    assert {r["account"]: r["debit"] for r in june["rows"]}["1100"].startswith("12.00")
    assert {r["account"]: r["debit"] for r in january["rows"]}["1100"].startswith("5.00")
    assert june["position"]["sources"][0]["source"] == "erp/finance"
    assert "lag_seconds" in june["position"]


async def test_without_redis_there_is_no_cache_and_answers_stay_right(
    reporting: ServiceClient,
) -> None:
    await feed(reporting, [sale(1, dt.date(2024, 1, 10), "5.00")])
    assert (await tb(reporting, "2024-01-31"))[0] == "off"
    await feed(reporting, [sale(2, dt.date(2024, 1, 11), "1.00")])
    _, body = await tb(reporting, "2024-01-31")
    assert {r["account"]: r["debit"] for r in body["rows"]}["1100"].startswith("6.00")


async def test_bills_and_supplier_payments_invalidate_the_payables_reports(
    cached: ServiceClient,
) -> None:
    day = dt.date(2024, 1, 10)
    await feed(cached, [b.bill_posted(1, "acme", day, dt.date(2024, 2, 9), Decimal("50.00"))])
    reports = [
        ("/reports/ap-aging", {"as_of": "2024-01-31"}),
        ("/reports/due", {"as_of": "2024-01-31", "from": "2024-02-01", "to": "2024-02-28"}),
    ]

    async def ask(path: str, params: dict[str, str]) -> tuple[str, Decimal]:
        response = await cached.get(path, params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        total = sum((Decimal(r.get("total") or r["open_amount"]) for r in body["rows"]), Decimal(0))
        return response.headers["x-cache"], total

    for path, params in reports:
        assert await ask(path, params) == ("miss", Decimal(50))
        assert await ask(path, params) == ("hit", Decimal(50))
    await feed(cached, [b.supplier_paid(1, 1, "acme", dt.date(2024, 1, 20), Decimal("20.00"))])
    for path, params in reports:
        assert await ask(path, params) == ("miss", Decimal(30))
    # A receivable moves the due list (family "ar") but not the AP aging.
    invoice = b.invoice_issued(
        1, "c", day, [("A", Decimal(1), Decimal(5))], due=dt.date(2024, 2, 1)
    )
    await feed(cached, [invoice])
    assert await ask(*reports[0]) == ("hit", Decimal(30))
    assert await ask(*reports[1]) == ("miss", Decimal(35))
