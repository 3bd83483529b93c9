"""Every movement counts on a business day, its posting date: given or today, never after
today, never before the latest date already on the ledger of a bin it moves."""

from __future__ import annotations

from tests.inventory.builders import days_ago, item, move, ok, published, receive, warehouse
from tests.support.clients import ServiceClient

LINE = [{"sku": "A", "quantity": "1"}]


async def _stocked(client: ServiceClient) -> None:
    await warehouse(client)
    await warehouse(client, "SIDE")
    await item(client, "A")


async def test_posting_date_defaults_to_today_and_travels(inventory: ServiceClient) -> None:
    await _stocked(inventory)
    received = await receive(inventory, "A", "5", "2")
    assert received["posting_date"] == days_ago(0)
    again = await ok(await inventory.get(f"/movements/{received['id']}"), 200)
    assert again["posting_date"] == days_ago(0)
    [moved] = await published(inventory, "inventory.stock-moved")
    assert moved["posting_date"] == days_ago(0)
    assert moved["lines"][0]["uom"] == "ea"


async def test_given_posting_date_is_kept_on_movement_event_and_listing(
    inventory: ServiceClient,
) -> None:
    await _stocked(inventory)
    lines = [{"sku": "A", "quantity": "5", "unit_cost": "2"}]
    received = await ok(await move(inventory, "receipt", lines, posting_date=days_ago(3)))
    assert received["posting_date"] == days_ago(3)
    [moved] = await published(inventory, "inventory.stock-moved")
    assert moved["posting_date"] == days_ago(3)
    listed = await ok(await inventory.get("/movements"), 200)
    assert [m["posting_date"] for m in listed["items"]] == [days_ago(3)]


async def test_posting_date_after_today_is_422_naming_it(inventory: ServiceClient) -> None:
    await _stocked(inventory)
    lines = [{"sku": "A", "quantity": "5", "unit_cost": "2"}]
    response = await move(inventory, "receipt", lines, posting_date=days_ago(-1))
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "posting_date"
    assert (await ok(await inventory.get("/movements"), 200))["items"] == []


async def test_back_dating_before_a_bins_latest_date_is_409(inventory: ServiceClient) -> None:
    await _stocked(inventory)
    lines = [{"sku": "A", "quantity": "5", "unit_cost": "2"}]
    await ok(await move(inventory, "receipt", lines, posting_date=days_ago(2)))
    refused = await move(inventory, "issue", LINE, posting_date=days_ago(3))
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["type"].endswith("/back-dated")
    assert problem["field"] == "posting_date"
    assert (problem["posting_date"], problem["latest_posting_date"]) == (days_ago(3), days_ago(2))
    assert days_ago(3) in problem["detail"] and days_ago(2) in problem["detail"]
    # The same day, and later ones, are fine; another bin has its own latest date.
    await ok(await move(inventory, "issue", LINE, posting_date=days_ago(2)))
    await ok(await move(inventory, "issue", LINE, posting_date=days_ago(1)))
    side = [{"sku": "A", "quantity": "1", "unit_cost": "2"}]
    await ok(await move(inventory, "receipt", side, warehouse="SIDE", posting_date=days_ago(9)))


async def test_transfer_may_not_be_dated_before_its_destinations_latest_date(
    inventory: ServiceClient,
) -> None:
    await _stocked(inventory)
    lines = [{"sku": "A", "quantity": "5", "unit_cost": "2"}]
    await ok(await move(inventory, "receipt", lines, posting_date=days_ago(5)))
    await ok(await move(inventory, "receipt", lines, warehouse="SIDE", posting_date=days_ago(1)))
    refused = await move(inventory, "transfer", LINE, to_warehouse="SIDE", posting_date=days_ago(3))
    assert refused.status_code == 409, refused.text
    assert refused.json()["warehouse"] == "SIDE"
    assert refused.json()["latest_posting_date"] == days_ago(1)
    source = await ok(await inventory.get("/stock", params={"warehouse": "MAIN"}), 200)
    assert source["items"][0]["on_hand"] == "5.0000", "nothing moved"


async def test_reversal_is_dated_today_or_as_given(inventory: ServiceClient) -> None:
    await _stocked(inventory)
    lines = [{"sku": "A", "quantity": "5", "unit_cost": "2"}]
    first = await ok(await move(inventory, "receipt", lines, posting_date=days_ago(4)))
    second = await ok(await move(inventory, "receipt", lines, posting_date=days_ago(4)))
    today = await ok(await inventory.post(f"/movements/{first['id']}/reverse"))
    assert today["posting_date"] == days_ago(0)
    back_dated = await inventory.post(
        f"/movements/{second['id']}/reverse", json={"posting_date": days_ago(4)}
    )
    assert back_dated.status_code == 409, "the bin already has a line dated today"
    assert back_dated.json()["latest_posting_date"] == days_ago(0)
    future = await inventory.post(
        f"/movements/{second['id']}/reverse", json={"posting_date": days_ago(-2)}
    )
    assert future.status_code == 422
    assert future.json()["errors"][0]["field"] == "posting_date"
    dated = await ok(
        await inventory.post(
            f"/movements/{second['id']}/reverse",
            json={"posting_date": days_ago(0), "reason": "wrong supplier"},
        )
    )
    assert (dated["posting_date"], dated["reason"]) == (days_ago(0), "wrong supplier")
    reversed_events = await published(inventory, "inventory.stock-moved")
    assert [e["posting_date"] for e in reversed_events[-2:]] == [days_ago(0)] * 2


async def test_movement_list_filters_business_days(inventory: ServiceClient) -> None:
    await _stocked(inventory)
    ids = {}
    for days in (5, 3, 1):
        lines = [{"sku": "A", "quantity": "1", "unit_cost": "1"}]
        ids[days] = (
            await ok(await move(inventory, "receipt", lines, posting_date=days_ago(days)))
        )["id"]

    async def listed(**params: str) -> list[int]:
        page = await ok(await inventory.get("/movements", params=params), 200)
        return [m["id"] for m in page["items"]]

    # Both ends are whole days, included.
    assert await listed(**{"from": days_ago(3), "to": days_ago(3)}) == [ids[3]]
    assert await listed(**{"from": days_ago(4)}) == [ids[1], ids[3]]
    assert await listed(to=days_ago(3)) == [ids[3], ids[5]]
    # A timestamp narrows its own day by when the movement was written.
    assert await listed(to=f"{days_ago(3)}T00:00:00Z") == [ids[5]]
    assert await listed(**{"from": "2000-01-01T00:00:00Z"}) == [ids[1], ids[3], ids[5]]
    reversed_range = await inventory.get(
        "/movements", params={"from": days_ago(1), "to": days_ago(2)}
    )
    assert reversed_range.status_code == 422
    assert reversed_range.json()["errors"][0]["field"] == "from"
    bad = await inventory.get("/movements", params={"to": "0001-01-01T00:00:00+05:00"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "to"
