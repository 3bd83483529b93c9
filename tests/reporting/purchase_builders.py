"""Purchasing events as inventory and finance publish them: receipts against purchase orders,
bills with their lines, journal entries with tax codes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from erp.platform.events.envelope import Event
from tests.reporting.builders import CHART, event, moment

ACCOUNT_TYPES = {**CHART, "1400": "asset", "2200": "liability", "5200": "expense"}
# (movement id, line number, value cleared) of the receipt line a bill line bills
Match = tuple[int, int, Decimal]


def receipt(
    movement_id: int,
    day: dt.date,
    supplier: str,
    order_id: int,
    lines: list[tuple[int, str, Decimal, Decimal]],
    *,
    reverses: int | None = None,
) -> Event:
    """inventory.stock-moved: `lines` (line number, sku, signed quantity, signed value) received
    against order `order_id` (its line numbered as the receipt's); a return when `reverses`."""
    data: dict[str, Any] = {
        "type": "receipt",
        "warehouse": "MAIN",
        "to_warehouse": None,
        "reference": None,
        "reason": None,
        "reverses": reverses,
        "posting_date": day.isoformat(),
        "posted_at": moment(day, 9).isoformat(),
        "posted_by": "tester",
        "movement_id": movement_id,
        "lines": [
            {
                "line_no": line_no,
                "sku": sku,
                "warehouse": "MAIN",
                "quantity": str(quantity),
                "unit_cost": str(value / quantity),
                "value": str(value),
                "on_hand_after": "0",
                "value_after": "0",
                "average_cost_after": "0",
                "uom": "pcs",
                "purchase_order_id": order_id,
                "purchase_order_line": line_no,
                "supplier": supplier,
            }
            for line_no, sku, quantity, value in lines
        ],
    }
    if reverses is not None:
        data["returns"] = reverses
    return event("inventory.stock-moved", data, time=moment(day, 9), subject="warehouse/MAIN")


def bill_line(
    line_no: int,
    net: Decimal,
    *,
    sku: str | None = None,
    quantity: Decimal | None = None,
    account: str = "6100",
    matched: Match | None = None,
) -> dict[str, Any]:
    line: dict[str, Any] = {
        "line_no": line_no,
        "sku": sku,
        "quantity": None if quantity is None else str(quantity),
        "net": str(net),
        "tax": "0",
        "tax_code": None,
        "account": "2150" if matched else account,
    }
    if matched is not None:
        movement_id, receipt_line, cleared = matched
        line.update(receipt_movement_id=movement_id, receipt_line_no=receipt_line)
        line["cleared"] = str(cleared)
    return line


def bill(
    bill_id: int,
    supplier: str,
    day: dt.date,
    lines: list[dict[str, Any]] | None,
    *,
    subtotal: Decimal | None = None,
    currency: str = "USD",
    rate: Decimal = Decimal(1),
) -> Event:
    """finance.bill-posted with `lines` (`bill_line`), or without (as before lines travelled:
    then `subtotal`); no tax, due in 30 days."""
    net = subtotal if lines is None else sum((Decimal(ln["net"]) for ln in lines), Decimal(0))
    assert net is not None
    data: dict[str, Any] = {
        "bill_id": bill_id,
        "supplier": supplier,
        "number": f"S-{bill_id}",
        "date": day.isoformat(),
        "due_date": (day + dt.timedelta(days=30)).isoformat(),
        "currency": currency,
        "rate": str(rate),
        "subtotal": str(net),
        "tax_total": "0",
        "total": str(net),
        "entry_id": 20_000 + bill_id,
    }
    if lines is not None:
        data["lines"] = lines
    return event("finance.bill-posted", data, time=moment(day, 11), subject=f"bill/{bill_id}")


def entry(
    entry_id: int,
    day: dt.date,
    lines: list[tuple[str, Decimal, Decimal, str | None]],
    *,
    source: str = "manual",
) -> Event:
    """finance.journal-posted: `lines` (account, debit, credit, tax code); a line without a
    code travels without the key, as before codes travelled."""
    sent = []
    for i, (account, debit, credit, code) in enumerate(lines, start=1):
        line = {
            "line_no": i,
            "account": account,
            "debit": str(debit),
            "credit": str(credit),
            "amount": str(debit - credit),
            "party": None,
            "sku": None,
            "invoice_id": None,
            "account_type": ACCOUNT_TYPES[account],
        }
        if code is not None:
            line["tax_code"] = code
        sent.append(line)
    data = {
        "entry_id": entry_id,
        "date": day.isoformat(),
        "memo": f"entry {entry_id}",
        "source": source,
        "source_ref": None,
        "currency": "USD",
        "rate": "1",
        "reverses": None,
        "posted_at": moment(day).isoformat(),
        "posted_by": "tester",
        "lines": sent,
    }
    return event("finance.journal-posted", data, time=moment(day, 13), subject="journal")
