"""Credit notes in the read models: a refund or an allocation of the customer credit moves the
open amounts from its date; credited lines come off sales on the credit note's date (units
only when the goods came back, their cost off COGS). A rebuild gives the same figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from erp.platform.events.envelope import Event
from tests.reporting import builders as b
from tests.reporting.conftest import feed
from tests.reporting.test_invoice_states import replay, report
from tests.support.clients import ServiceClient

DAY = dt.date(2024, 5, 6)


def days(n: int) -> dt.date:
    return DAY + dt.timedelta(days=n)


def credit_note(
    note_id: int,
    invoice_id: int,
    day: dt.date,
    lines: list[tuple[str, Decimal, Decimal, bool]],
    *,
    currency: str = "USD",
    rate: Decimal = Decimal(1),
) -> Event:
    """finance.credit-note-issued; `lines`: (sku, quantity, net, return_goods), no tax."""
    total = sum((net for _, _, net, _ in lines), Decimal(0))
    return b.event(
        "finance.credit-note-issued",
        {
            "credit_note_id": note_id,
            "reference": f"credit-note:{note_id}",
            "invoice_id": invoice_id,
            "customer": "acme",
            "date": day.isoformat(),
            "currency": currency,
            "rate": str(rate),
            "subtotal": str(total),
            "tax_total": "0",
            "total": str(total),
            "entry_id": 500 + note_id,
            "lines": [
                {
                    "line_no": i + 1,
                    "invoice_line": i,
                    "sku": sku,
                    "warehouse": "W1",
                    "quantity": str(quantity),
                    "net": str(net),
                    "tax": "0",
                    "return_goods": back,
                }
                for i, (sku, quantity, net, back) in enumerate(lines)
            ],
        },
        time=b.moment(day, 17),
        subject=f"invoice/{invoice_id}",
    )


def settled(
    settlement_id: int,
    note_id: int,
    invoice_id: int,
    day: dt.date,
    amount: Decimal,
    *,
    target: int | None = None,
) -> Event:
    """finance.credit-note-settled: a refund, or an allocation to invoice `target`."""
    return b.event(
        "finance.credit-note-settled",
        {
            "settlement_id": settlement_id,
            "credit_note_id": note_id,
            "invoice_id": invoice_id,
            "kind": "refund" if target is None else "allocation",
            "target_invoice_id": target,
            "customer": "acme",
            "date": day.isoformat(),
            "currency": "USD",
            "amount": str(amount),
            "base_amount": str(amount),
            "entry_id": 900 + settlement_id,
        },
        time=b.moment(day, 18),
        subject=f"invoice/{invoice_id}",
    )


async def open_amounts(client: ServiceClient, as_of: dt.date) -> dict[int, Decimal]:
    """Invoice → open amount, from the due list (everything due by `as_of` is listed)."""
    body = await report(client, "/reports/due", as_of=as_of.isoformat())
    return {r["document_id"]: Decimal(r["open_amount"]) for r in body["rows"]}


async def aging_total(client: ServiceClient, as_of: dt.date) -> Decimal:
    body = await report(client, "/reports/ar-aging", as_of=as_of.isoformat())
    return sum((Decimal(r["total"]) for r in body["rows"]), Decimal(0))


async def test_refund_and_allocation_move_open_amounts_from_their_dates(
    reporting: ServiceClient,
) -> None:
    await feed(
        reporting,
        [
            b.invoice_issued(1, "acme", DAY, [("A", Decimal(2), Decimal("100.00"))], due=DAY),
            b.payment(1, 1, days(1), Decimal("100.00")),
            b.invoice_issued(2, "acme", days(1), [("A", Decimal(1), Decimal("50.00"))], due=DAY),
            # 40 credited on a paid invoice: a customer credit of 40 ...
            credit_note(1, 1, days(2), [("A", Decimal(1), Decimal("40.00"), False)]),
            # ... 25 of it applied to invoice 2, the other 15 paid out.
            settled(1, 1, 1, days(4), Decimal("25.00"), target=2),
            settled(2, 1, 1, days(6), Decimal("15.00")),
        ],
    )
    for _ in range(2):  # as delivered, then rebuilt from the kept events
        assert await open_amounts(reporting, days(3)) == {1: Decimal(-40), 2: Decimal(50)}
        assert await open_amounts(reporting, days(4)) == {1: Decimal(-15), 2: Decimal(25)}
        assert await open_amounts(reporting, days(5)) == {1: Decimal(-15), 2: Decimal(25)}
        assert await open_amounts(reporting, days(6)) == {2: Decimal(25)}
        assert await aging_total(reporting, days(3)) == Decimal(10)
        assert await aging_total(reporting, days(4)) == Decimal(10)
        assert await aging_total(reporting, days(6)) == Decimal(25)
        await replay(reporting)


async def test_a_redelivered_settlement_counts_once(reporting: ServiceClient) -> None:
    refund = settled(1, 1, 1, days(2), Decimal("10.00"))
    await feed(
        reporting,
        [
            b.invoice_issued(1, "acme", DAY, [("A", Decimal(1), Decimal("30.00"))], due=DAY),
            b.payment(1, 1, DAY, Decimal("30.00")),
            credit_note(1, 1, days(1), [("A", Decimal(1), Decimal("10.00"), False)]),
            refund,
            refund,
        ],
    )
    assert await open_amounts(reporting, days(1)) == {1: Decimal(-10)}
    assert await open_amounts(reporting, days(2)) == {}


async def sales(client: ServiceClient, start: dt.date, end: dt.date, group_by: str) -> Any:
    return await report(
        client,
        "/reports/sales",
        **{"from": start.isoformat(), "to": end.isoformat(), "group_by": group_by},
    )


def figures(row: dict[str, Any]) -> tuple[Decimal, ...]:
    return tuple(Decimal(row[k]) for k in ("quantity", "revenue", "cogs", "margin"))


async def test_credited_lines_come_off_sales_on_the_credit_notes_date(
    reporting: ServiceClient,
) -> None:
    later = days(30)  # the next month
    await feed(
        reporting,
        [
            b.item_changed("A", "Widget", "pcs", Decimal(0), b.moment(DAY, 1)),
            b.invoice_issued(1, "acme", DAY, [("A", Decimal(4), Decimal("100.00"))]),
            b.stock_moved(
                1,
                "issue",
                "W1",
                b.moment(DAY, 10),
                [("A", "W1", Decimal(-4), Decimal("-60.00"))],
                reference="invoice:1",
                posting_date=DAY,
            ),
            # Its goods came back before the credit note's own event arrived.
            b.stock_moved(
                2,
                "receipt",
                "W1",
                b.moment(later, 10),
                [("A", "W1", Decimal(1), Decimal("15.00"))],
                reference="credit-note:1",
                posting_date=later,
            ),
            credit_note(1, 1, later, [("A", Decimal(1), Decimal("25.00"), True)]),
            # A price-only credit: revenue back, no units, no cost.
            credit_note(2, 1, later, [("A", Decimal(1), Decimal("5.00"), False)]),
        ],
    )
    for _ in range(2):  # as delivered, then rebuilt from the kept events
        before = await sales(reporting, DAY, DAY, "day,item")
        assert [figures(r) for r in before["rows"]] == [
            (Decimal(4), Decimal(100), Decimal(60), Decimal(40))
        ]
        by_month = await sales(reporting, DAY, later, "month,customer,item")
        assert [(r["period"], r["customer"], r["item"], r["name"]) for r in by_month["rows"]] == [
            ("2024-05-01", "acme", "A", "Widget"),
            ("2024-06-01", "acme", "A", "Widget"),
        ]
        assert [figures(r) for r in by_month["rows"]] == [
            (Decimal(4), Decimal(100), Decimal(60), Decimal(40)),
            (Decimal(-1), Decimal(-30), Decimal(-15), Decimal(-15)),
        ]
        totals = by_month["totals"]
        assert (Decimal(totals["revenue"]), Decimal(totals["cogs"])) == (Decimal(70), Decimal(45))
        assert Decimal(totals["margin"]) == Decimal(25)
        assert {k: Decimal(v) for k, v in totals["quantity_by_uom"].items()} == {"pcs": 3}
        await replay(reporting)


async def test_a_credit_in_another_currency_is_rounded_like_its_invoice(
    reporting: ServiceClient,
) -> None:
    rate = Decimal("1.08370000")
    await feed(
        reporting,
        [
            b.invoice_issued(
                1, "acme", DAY, [("A", Decimal(2), Decimal("19.98"))], currency="EUR", rate=rate
            ),
            # 9.99 * 1.0837 = 10.826163: 10.83 in the base currency.
            credit_note(
                1, 1, DAY, [("A", Decimal(1), Decimal("9.99"), False)], currency="EUR", rate=rate
            ),
        ],
    )
    body = await sales(reporting, DAY, DAY, "customer")
    # 19.98 * 1.0837 = 21.652326: 21.65; less 10.83.
    assert [figures(r) for r in body["rows"]] == [
        (Decimal(2), Decimal("10.82"), Decimal(0), Decimal("10.82"))
    ]


async def test_a_credit_on_a_voided_invoice_is_not_in_sales(reporting: ServiceClient) -> None:
    total = Decimal("100.00")
    await feed(
        reporting,
        [
            b.invoice_issued(1, "acme", DAY, [("A", Decimal(2), total)]),
            credit_note(1, 1, DAY, [("A", Decimal(1), Decimal("50.00"), True)]),
            b.invoice_status(1, "acme", DAY, "void", total, b.moment(DAY, 20)),
        ],
    )
    assert (await sales(reporting, DAY, DAY, "customer"))["rows"] == []


async def cache_state(client: ServiceClient, path: str, **params: str) -> tuple[str, Any]:
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.headers["x-cache"], response.json()


async def test_settlements_and_returned_goods_invalidate_cached_answers(
    cached: ServiceClient,
) -> None:
    await feed(
        cached,
        [
            b.invoice_issued(1, "acme", DAY, [("A", Decimal(2), Decimal("100.00"))], due=DAY),
            b.payment(1, 1, DAY, Decimal("100.00")),
            credit_note(1, 1, days(1), [("A", Decimal(1), Decimal("40.00"), True)]),
        ],
    )
    aging = "/reports/ar-aging"
    early, late = {"as_of": days(2).isoformat()}, {"as_of": days(40).isoformat()}
    span = {"from": DAY.isoformat(), "to": days(40).isoformat(), "group_by": "customer"}
    for params in (early, late):
        assert (await cache_state(cached, aging, **params))[0] == "miss"
        assert (await cache_state(cached, aging, **params))[0] == "hit"
    assert (await cache_state(cached, "/reports/sales", **span))[0] == "miss"

    await feed(cached, [settled(1, 1, 1, days(35), Decimal("40.00"))])
    assert (await cache_state(cached, aging, **early))[0] == "hit"  # before the refund
    state, body = await cache_state(cached, aging, **late)
    assert state == "miss" and body["rows"] == []

    returned = b.stock_moved(
        2,
        "receipt",
        "W1",
        b.moment(days(1), 10),
        [("A", "W1", Decimal(1), Decimal("30.00"))],
        reference="credit-note:1",
        posting_date=days(1),
    )
    await feed(cached, [returned])
    state, body = await cache_state(cached, "/reports/sales", **span)
    assert state == "miss" and Decimal(body["totals"]["cogs"]) == Decimal(-30)
