"""An invoice's goods: issued on the invoice's date when finance asks, refused as a whole with
the cause when they cannot be, and owned by the invoice afterwards."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from erp.contracts.finance import (
    InvoiceIssueRequested,
    InvoiceLine,
    InvoiceVoided,
    PeriodClosed,
)
from tests.inventory.builders import (
    days_ago,
    deliver,
    item,
    move,
    ok,
    published,
    receive,
    stock,
    warehouse,
)
from tests.support.clients import ServiceClient


def request(
    invoice_id: int, *lines: tuple[str, str, str], date: str, issue_no: int = 1
) -> InvoiceIssueRequested:
    return InvoiceIssueRequested(
        invoice_id=invoice_id,
        issue_no=issue_no,
        customer="ACME",
        date=dt.date.fromisoformat(date),
        lines=tuple(
            InvoiceLine(
                line_no=i,
                sku=sku,
                warehouse=house,
                quantity=Decimal(quantity),
                unit_price=Decimal("10"),
                tax_rate=Decimal("0"),
                net=Decimal("10") * Decimal(quantity),
                tax=Decimal("0"),
            )
            for i, (sku, house, quantity) in enumerate(lines)
        ),
    )


async def _stocked(client: ServiceClient) -> None:
    await warehouse(client)
    await warehouse(client, "SIDE")
    await item(client, "A")
    lines = [{"sku": "A", "quantity": "10", "unit_cost": "2"}]
    await ok(await move(client, "receipt", lines, posting_date=days_ago(5)))
    await ok(await move(client, "receipt", lines, warehouse="SIDE", posting_date=days_ago(5)))


async def _issues(client: ServiceClient) -> list[dict[str, object]]:
    page = await ok(await client.get("/movements", params={"type": "issue"}), 200)
    return page["items"]  # type: ignore[no-any-return]


async def test_goods_are_issued_on_the_invoice_date(inventory: ServiceClient) -> None:
    await _stocked(inventory)
    await deliver(
        inventory,
        request(12, ("A", "MAIN", "2"), ("A", "SIDE", "1"), date=days_ago(3)),
        subject="invoice/12",
    )
    issued = await _issues(inventory)
    assert sorted((m["warehouse"], m["posting_date"], m["reference"]) for m in issued) == [
        ("MAIN", days_ago(3), "invoice:12"),
        ("SIDE", days_ago(3), "invoice:12"),
    ]
    [done] = await published(inventory, "inventory.invoice-goods-issued")
    assert (done["invoice_id"], done["posting_date"]) == (12, days_ago(3))
    moved = await published(inventory, "inventory.stock-moved")
    assert {m["posting_date"] for m in moved[-2:]} == {days_ago(3)}
    assert await published(inventory, "inventory.issue-rejected") == []


async def _rejected(client: ServiceClient, payload: InvoiceIssueRequested) -> dict[str, object]:
    before = await _issues(client)
    await deliver(client, payload, subject=f"invoice/{payload.invoice_id}")
    assert await _issues(client) == before, "nothing moves"
    assert await published(client, "inventory.invoice-goods-issued") == []
    rejected = await published(client, "inventory.issue-rejected")
    return rejected[-1]


async def test_an_invoice_dated_in_a_closed_period_is_rejected_naming_the_date(
    inventory: ServiceClient,
) -> None:
    await _stocked(inventory)
    close = PeriodClosed(
        closed_through=dt.date.fromisoformat(days_ago(2)),
        closed_at=dt.datetime.now(dt.UTC),
        closed_by="accountant",
    )
    await deliver(inventory, close, subject="periods")
    rejected = await _rejected(inventory, request(7, ("A", "MAIN", "1"), date=days_ago(2)))
    assert rejected["invoice_id"] == 7 and rejected["sku"] is None
    reason = str(rejected["reason"])
    assert "posting_date" in reason and days_ago(2) in reason and "closed" in reason


async def test_an_invoice_dated_before_the_stocks_latest_date_is_rejected(
    inventory: ServiceClient,
) -> None:
    await _stocked(inventory)
    await receive(inventory, "A", "1", "2")  # today
    rejected = await _rejected(inventory, request(8, ("A", "MAIN", "1"), date=days_ago(1)))
    reason = str(rejected["reason"])
    assert "posting_date" in reason and days_ago(1) in reason and days_ago(0) in reason


async def test_an_invoice_dated_after_today_is_rejected(inventory: ServiceClient) -> None:
    await _stocked(inventory)
    rejected = await _rejected(inventory, request(9, ("A", "MAIN", "1"), date=days_ago(-1)))
    assert "posting_date" in str(rejected["reason"])


async def test_short_stock_or_unknown_things_reject_the_whole_invoice(
    inventory: ServiceClient,
) -> None:
    await _stocked(inventory)
    short = await _rejected(
        inventory, request(10, ("A", "MAIN", "1"), ("A", "SIDE", "11"), date=days_ago(0))
    )
    assert (short["sku"], short["warehouse"]) == ("A", "SIDE")
    assert Decimal(str(short["requested"])) == 11
    unknown_sku = await _rejected(inventory, request(11, ("NOPE", "MAIN", "1"), date=days_ago(0)))
    assert "NOPE" in str(unknown_sku["reason"])
    unknown_house = await _rejected(inventory, request(12, ("A", "GONE", "1"), date=days_ago(0)))
    assert "GONE" in str(unknown_house["reason"])
    assert Decimal((await stock(inventory, "A"))["on_hand"]) == 10


async def test_invoice_goods_are_reversed_only_through_the_invoice(
    inventory: ServiceClient,
) -> None:
    await _stocked(inventory)
    await deliver(inventory, request(12, ("A", "MAIN", "4"), date=days_ago(1)))
    [issue] = await _issues(inventory)
    refused = await inventory.post(f"/movements/{issue['id']}/reverse", json={"reason": "oops"})
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["document"] == "invoice:12"
    assert "invoice 12" in problem["detail"] and "void or credit" in problem["detail"]
    assert Decimal((await stock(inventory, "A"))["on_hand"]) == 6

    await deliver(inventory, InvoiceVoided(invoice_id=12), subject="invoice/12")
    assert Decimal((await stock(inventory, "A"))["on_hand"]) == 10
    back = await ok(await inventory.get(f"/movements/{issue['id']}"), 200)
    reversal = await ok(await inventory.get(f"/movements/{back['reversed_by']}"), 200)
    assert (reversal["reference"], reversal["posting_date"]) == ("invoice:12", days_ago(0))


async def test_a_client_cannot_post_or_forge_an_invoice_movement(inventory: ServiceClient) -> None:
    await _stocked(inventory)
    forged = await move(inventory, "issue", [{"sku": "A", "quantity": "1"}], reference="invoice:12")
    assert forged.status_code == 422
    assert forged.json()["errors"][0]["field"] == "reference"
    own = await move(inventory, "issue", [{"sku": "A", "quantity": "1"}], reference="order:12")
    assert own.status_code == 201
    assert (await inventory.post(f"/movements/{own.json()['id']}/reverse")).status_code == 201
