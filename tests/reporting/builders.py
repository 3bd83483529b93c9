"""Events as inventory and finance publish them, for feeding reporting's handlers."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from decimal import Decimal
from typing import Any

from erp.platform.events.envelope import Event

_sequence = itertools.count(1)
CHART = {
    "1100": "asset",
    "1200": "asset",
    "1300": "asset",
    "2100": "liability",
    "2150": "liability",
    "3100": "equity",
    "3200": "equity",
    "4000": "income",
    "5000": "expense",
    "6100": "expense",
}


def event(topic: str, data: dict[str, Any], *, time: dt.datetime, subject: str = "") -> Event:
    source = "erp/" + topic.split(".")[0]
    return Event(
        id=uuid.uuid4().hex,
        source=source,
        type=topic,
        subject=subject or topic,
        sequence=next(_sequence),
        time=time,
        data=data,
    )


def moment(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC)


def journal(
    entry_id: int,
    day: dt.date,
    lines: list[tuple[str, Decimal, Decimal]],
    *,
    source: str = "manual",
    source_ref: str | None = None,
) -> Event:
    return event(
        "finance.journal-posted",
        {
            "entry_id": entry_id,
            "date": day.isoformat(),
            "memo": f"entry {entry_id}",
            "source": source,
            "source_ref": source_ref,
            "currency": "USD",
            "rate": "1",
            "reverses": None,
            "posted_at": moment(day).isoformat(),
            "posted_by": "tester",
            "lines": [
                {
                    "line_no": i,
                    "account": account,
                    "account_type": CHART[account],
                    "debit": str(debit),
                    "credit": str(credit),
                    "amount": str(debit - credit),
                    "party": None,
                    "sku": None,
                    "invoice_id": None,
                }
                for i, (account, debit, credit) in enumerate(lines)
            ],
        },
        time=moment(day, 13),
        subject="journal",
    )


def stock_moved(
    movement_id: int,
    kind: str,
    warehouse: str,
    posted_at: dt.datetime,
    lines: list[tuple[str, str, Decimal, Decimal]],
    *,
    reference: str | None = None,
    posting_date: dt.date | None = None,
    uom: dict[str, str] | None = None,
) -> Event:
    """`lines`: (sku, warehouse, signed quantity, signed value). Without `posting_date` and
    `uom` (sku → unit) the event is as inventory sent it before those travelled."""
    data: dict[str, Any] = {
        "movement_id": movement_id,
        "type": kind,
        "warehouse": warehouse,
        "to_warehouse": None,
        "reference": reference,
        "reason": None,
        "reverses": None,
        "posted_at": posted_at.isoformat().replace("+00:00", "Z"),
        "posted_by": "tester",
        "lines": [
            {
                "line_no": i,
                "sku": sku,
                "warehouse": wh,
                "quantity": str(qty),
                "unit_cost": "0",
                "value": str(value),
                "on_hand_after": "0",
                "value_after": "0",
                "average_cost_after": "0",
                **({"uom": uom[sku]} if uom and sku in uom else {}),
            }
            for i, (sku, wh, qty, value) in enumerate(lines)
        ],
    }
    if posting_date is not None:
        data["posting_date"] = posting_date.isoformat()
    return event("inventory.stock-moved", data, time=posted_at, subject=f"warehouse/{warehouse}")


def item_changed(
    sku: str,
    name: str,
    uom: str,
    reorder_point: Decimal,
    changed_at: dt.datetime,
    *,
    active: bool = True,
) -> Event:
    return event(
        "inventory.item-changed",
        {
            "sku": sku,
            "name": name,
            "uom": uom,
            "reorder_point": str(reorder_point),
            "active": active,
            "changed_at": changed_at.isoformat(),
        },
        time=changed_at,
        subject=f"item/{sku}",
    )


def issue_requested(
    invoice_id: int, customer: str, day: dt.date, lines: list[tuple[str, Decimal, Decimal]]
) -> Event:
    """finance.invoice-issue-requested; `lines`: (sku, quantity, net)."""
    return event(
        "finance.invoice-issue-requested",
        {
            "invoice_id": invoice_id,
            "issue_no": 1,
            "reference": f"invoice:{invoice_id}",
            "customer": customer,
            "date": day.isoformat(),
            "lines": _invoice_lines(lines),
        },
        time=moment(day, 8),
        subject=f"invoice/{invoice_id}",
    )


def goods_issued(invoice_id: int, day: dt.date) -> Event:
    return event(
        "inventory.invoice-goods-issued",
        {
            "invoice_id": invoice_id,
            "issue_no": 1,
            "reference": f"invoice:{invoice_id}",
            "posting_date": day.isoformat(),
            "issued_at": moment(day, 8).isoformat(),
        },
        time=moment(day, 8),
        subject=f"invoice/{invoice_id}",
    )


def _invoice_lines(lines: list[tuple[str, Decimal, Decimal]]) -> list[dict[str, Any]]:
    return [
        {
            "line_no": i,
            "sku": sku,
            "warehouse": "W1",
            "quantity": str(qty),
            "unit_price": "1",
            "tax_rate": "0",
            "net": str(net),
            "tax": "0",
        }
        for i, (sku, qty, net) in enumerate(lines)
    ]


def invoice_issued(
    invoice_id: int,
    customer: str,
    day: dt.date,
    lines: list[tuple[str, Decimal, Decimal]],
    *,
    currency: str = "USD",
    rate: Decimal = Decimal(1),
    issue_no: int = 1,
    due: dt.date | None = None,
) -> Event:
    """`lines`: (sku, quantity, net); `due`: its due date (none: as before due dates)."""
    total = sum((net for _, _, net in lines), Decimal(0))
    return event(
        "finance.invoice-issued",
        {
            "invoice_id": invoice_id,
            "issue_no": issue_no,
            "reference": f"invoice:{invoice_id}",
            "customer": customer,
            "date": day.isoformat(),
            "currency": currency,
            "rate": str(rate),
            "subtotal": str(total),
            "tax_total": "0",
            "total": str(total),
            "lines": _invoice_lines(lines),
            **({"due_date": due.isoformat()} if due else {}),
        },
        time=moment(day, 9),
        subject=f"invoice/{invoice_id}",
    )


def invoice_status(
    invoice_id: int,
    customer: str,
    day: dt.date,
    status: str,
    total: Decimal,
    changed_at: dt.datetime,
    *,
    currency: str = "USD",
    previous: str = "issued",
) -> Event:
    return event(
        "finance.invoice-status-changed",
        {
            "invoice_id": invoice_id,
            "customer": customer,
            "currency": currency,
            "status": status,
            "previous_status": previous,
            "reason": None,
            "total": str(total),
            "paid_amount": "0",
            "open_amount": str(total),
            "date": day.isoformat(),
            "changed_at": changed_at.isoformat(),
        },
        time=changed_at,
        subject=f"invoice/{invoice_id}",
    )


def payment_reversed(
    payment_id: int, invoice_id: int, day: dt.date, amount: Decimal, *, currency: str = "USD"
) -> Event:
    return event(
        "finance.payment-reversed",
        {
            "payment_id": payment_id,
            "invoice_id": invoice_id,
            "customer": "x",
            "date": day.isoformat(),
            "currency": currency,
            "amount": str(amount),
            "base_amount": str(amount),
            "entry_id": 10_000 + payment_id,
            "reason": "bounced",
            "open_amount": str(amount),
            "status": "partially_paid",
        },
        time=moment(day, 16),
        subject=f"invoice/{invoice_id}",
    )


def credit_note(note_id: int, invoice_id: int, day: dt.date, total: Decimal) -> Event:
    """finance.credit-note-issued for `total` (net, no tax) of one line, goods kept."""
    return event(
        "finance.credit-note-issued",
        {
            "credit_note_id": note_id,
            "reference": f"credit-note:{note_id}",
            "invoice_id": invoice_id,
            "customer": "x",
            "date": day.isoformat(),
            "currency": "USD",
            "rate": "1",
            "subtotal": str(total),
            "tax_total": "0",
            "total": str(total),
            "entry_id": note_id,
            "lines": [
                {"line_no": 1, "invoice_line": 1, "sku": "A", "warehouse": "W1",
                 "quantity": "1", "net": str(total), "tax": "0", "return_goods": False}
            ],
        },
        time=moment(day, 17),
        subject=f"invoice/{invoice_id}",
    )  # fmt: skip


def payment(payment_id: int, invoice_id: int, day: dt.date, amount: Decimal) -> Event:
    return event(
        "finance.payment-received",
        {
            "payment_id": payment_id,
            "invoice_id": invoice_id,
            "customer": "x",
            "date": day.isoformat(),
            "currency": "USD",
            "rate": "1",
            "amount": str(amount),
            "base_amount": str(amount),
            "account": "1100",
            "entry_id": payment_id,  # any entry: reporting does not read it
            "open_amount": "0",
            "status": "paid",
        },
        time=moment(day, 15),
        subject=f"invoice/{invoice_id}",
    )


def low_stock(sku: str, warehouse: str, point: Decimal, on_hand: Decimal, day: dt.date) -> Event:
    return event(
        "inventory.low-stock",
        {
            "sku": sku,
            "warehouse": warehouse,
            "reorder_point": str(point),
            "on_hand": str(on_hand),
            "movement_id": 1,
        },
        time=moment(day, 16),
        subject=f"warehouse/{warehouse}",
    )


def bill_posted(
    bill_id: int,
    supplier: str,
    day: dt.date,
    due: dt.date,
    total: Decimal,
    *,
    number: str = "",
    currency: str = "USD",
    rate: Decimal = Decimal(1),
) -> Event:
    """finance.bill-posted: a supplier's bill of `total` (no tax), due on `due`."""
    return event(
        "finance.bill-posted",
        {
            "bill_id": bill_id,
            "supplier": supplier,
            "number": number or f"S-{bill_id}",
            "date": day.isoformat(),
            "due_date": due.isoformat(),
            "currency": currency,
            "rate": str(rate),
            "subtotal": str(total),
            "tax_total": "0",
            "total": str(total),
            "entry_id": 20_000 + bill_id,
        },
        time=moment(day, 11),
        subject=f"bill/{bill_id}",
    )


def supplier_paid(
    payment_id: int,
    bill_id: int,
    supplier: str,
    day: dt.date,
    amount: Decimal,
    *,
    currency: str = "USD",
    open_amount: Decimal = Decimal(0),
) -> Event:
    return event(
        "finance.supplier-paid",
        {
            "payment_id": payment_id,
            "bill_id": bill_id,
            "supplier": supplier,
            "date": day.isoformat(),
            "currency": currency,
            "rate": "1",
            "amount": str(amount),
            "base_amount": str(amount),
            "entry_id": 30_000 + payment_id,
            "open_amount": str(open_amount),
        },
        time=moment(day, 15),
        subject=f"bill/{bill_id}",
    )


def debit_note_posted(
    note_id: int,
    bill_id: int,
    supplier: str,
    day: dt.date,
    total: Decimal,
    *,
    open_amount: Decimal,
    lines: list[dict[str, Any]] | None = None,
) -> Event:
    """finance.debit-note-posted: a supplier's credit of `total` (no tax) against a bill, with
    the credited `lines` when given (as `purchase_builders.bill_line` makes them)."""
    extra = {} if lines is None else {"lines": lines}
    return event(
        "finance.debit-note-posted",
        {
            "debit_note_id": note_id,
            "bill_id": bill_id,
            "supplier": supplier,
            "number": f"CN-{note_id}",
            "date": day.isoformat(),
            "currency": "USD",
            "rate": "1",
            "subtotal": str(total),
            "tax_total": "0",
            "total": str(total),
            "entry_id": 40_000 + note_id,
            "open_amount": str(open_amount),
            **extra,
        },
        time=moment(day, 14),
        subject=f"bill/{bill_id}",
    )
