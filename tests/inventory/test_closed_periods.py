"""Finance's period close reaches inventory as an event: nothing is dated on or before the
closing date afterwards, movements and reversals alike."""

from __future__ import annotations

import datetime as dt

from erp.contracts.finance import PeriodClosed, PeriodReopened
from tests.inventory.builders import days_ago, deliver, item, move, ok, warehouse
from tests.support.clients import ServiceClient

RECEIPT = [{"sku": "A", "quantity": "5", "unit_cost": "2"}]


def closed(days: int) -> PeriodClosed:
    return PeriodClosed(
        closed_through=dt.date.fromisoformat(days_ago(days)),
        closed_at=dt.datetime.now(dt.UTC),
        closed_by="accountant",
    )


async def test_movement_in_a_closed_period_is_409_naming_both_dates(
    inventory: ServiceClient,
) -> None:
    await warehouse(inventory)
    await item(inventory, "A")
    early = await ok(await move(inventory, "receipt", RECEIPT, posting_date=days_ago(6)))
    await deliver(inventory, closed(3), subject="periods")

    for dated in (days_ago(3), days_ago(5)):
        refused = await move(inventory, "receipt", RECEIPT, posting_date=dated)
        assert refused.status_code == 409, refused.text
        problem = refused.json()
        assert problem["type"].endswith("/period-closed")
        assert problem["field"] == "posting_date"
        assert (problem["posting_date"], problem["closed_through"]) == (dated, days_ago(3))
    reversal = await inventory.post(
        f"/movements/{early['id']}/reverse", json={"posting_date": days_ago(3)}
    )
    assert reversal.status_code == 409
    assert reversal.json()["closed_through"] == days_ago(3)
    listed = await ok(await inventory.get("/movements"), 200)
    assert [m["id"] for m in listed["items"]] == [early["id"]], "nothing written"

    await ok(await move(inventory, "receipt", RECEIPT, posting_date=days_ago(2)))
    await ok(await inventory.post(f"/movements/{early['id']}/reverse"))


async def test_a_late_older_close_does_not_reopen_anything(inventory: ServiceClient) -> None:
    await warehouse(inventory)
    await item(inventory, "A")
    await deliver(inventory, closed(2), subject="periods")
    await deliver(inventory, closed(10), subject="periods")  # delivered out of order
    refused = await move(inventory, "receipt", RECEIPT, posting_date=days_ago(4))
    assert refused.status_code == 409
    assert refused.json()["closed_through"] == days_ago(2)
    await deliver(inventory, closed(1), subject="periods")
    today = await move(inventory, "receipt", RECEIPT)
    assert today.status_code == 201, today.text
    refused = await move(inventory, "receipt", RECEIPT, posting_date=days_ago(1))
    assert refused.json()["closed_through"] == days_ago(1)


def reopened(days: int, *, from_days: int, at: dt.datetime | None = None) -> PeriodReopened:
    return PeriodReopened(
        closed_through=dt.date.fromisoformat(days_ago(days)),
        reopened_from=dt.date.fromisoformat(days_ago(from_days)),
        reopened_at=at or dt.datetime.now(dt.UTC),
        reopened_by="admin",
        reason="late delivery note",
    )


async def test_a_reopen_lets_back_dated_movements_in_again(inventory: ServiceClient) -> None:
    await warehouse(inventory)
    await item(inventory, "A")
    await deliver(inventory, closed(2), subject="periods")
    refused = await move(inventory, "receipt", RECEIPT, posting_date=days_ago(5))
    assert refused.status_code == 409

    await deliver(inventory, reopened(6, from_days=2), subject="periods")

    await ok(await move(inventory, "receipt", RECEIPT, posting_date=days_ago(5)))
    still = await move(inventory, "receipt", RECEIPT, posting_date=days_ago(6))
    assert still.status_code == 409 and still.json()["closed_through"] == days_ago(6)


async def test_a_close_older_than_the_reopen_arriving_late_changes_nothing(
    inventory: ServiceClient,
) -> None:
    await warehouse(inventory)
    await item(inventory, "A")
    late_close = closed(2)  # made before the reopen, delivered after it
    await deliver(inventory, reopened(6, from_days=2), subject="periods")
    await deliver(inventory, late_close, subject="periods")
    await ok(await move(inventory, "receipt", RECEIPT, posting_date=days_ago(5)))
