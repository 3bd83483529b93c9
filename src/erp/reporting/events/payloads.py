"""What reporting reads from other services' events, in one place.

Each parser turns an event's `data` into a small typed fact and refuses what it cannot read
(the backbone retries, then dead-letters). When a publisher changes a payload, this is the
only module to adjust.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

ZERO = Decimal(0)


def _decimal(value: Any, name: str) -> Decimal:
    if value is None or isinstance(value, bool | float):
        raise ValueError(f"{name}: expected a decimal string, got {value!r}")
    number = Decimal(str(value))
    if not number.is_finite():
        raise ValueError(f"{name}: not a finite number")
    return number


def _day(value: Any, name: str) -> dt.date:
    text = str(value)
    if len(text) == 10:
        return dt.date.fromisoformat(text)
    return _moment(text, name).date()


def _moment(value: Any, name: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"{name}: timestamp without a zone")
    return moment.astimezone(dt.UTC)


def invoice_of(reference: Any) -> int | None:
    """`invoice:<id>` → id (the reference finance gives the goods it sells)."""
    text = str(reference or "")
    if text.startswith("invoice:") and text[8:].isdigit():
        return int(text[8:])
    return None


@dataclass(frozen=True)
class StockLine:
    sku: str
    warehouse: str
    quantity: Decimal
    value: Decimal


@dataclass(frozen=True)
class StockMoved:
    movement_id: int
    type: str
    warehouse: str
    reference: str | None
    reverses: int | None
    posted_at: dt.datetime
    lines: tuple[StockLine, ...]

    @property
    def day(self) -> dt.date:
        return self.posted_at.date()

    @property
    def invoice_id(self) -> int | None:
        return invoice_of(self.reference)


def stock_moved(data: dict[str, Any]) -> StockMoved:
    return StockMoved(
        movement_id=int(data["movement_id"]),
        type=str(data["type"]),
        warehouse=str(data["warehouse"]),
        reference=data.get("reference"),
        reverses=int(data["reverses"]) if data.get("reverses") is not None else None,
        posted_at=_moment(data["posted_at"], "posted_at"),
        lines=tuple(
            StockLine(
                sku=str(ln["sku"]),
                warehouse=str(ln.get("warehouse") or data["warehouse"]),
                quantity=_decimal(ln["quantity"], "lines.quantity"),
                value=_decimal(ln["value"], "lines.value"),
            )
            for ln in data["lines"]
        ),
    )


@dataclass(frozen=True)
class JournalLine:
    account: str
    account_type: str
    debit: Decimal
    credit: Decimal


@dataclass(frozen=True)
class JournalPosted:
    entry_id: int
    date: dt.date
    source: str
    source_ref: str | None
    lines: tuple[JournalLine, ...]

    @property
    def movement_id(self) -> int | None:
        """The stock movement this entry posts (`source_ref` `movement:<id>`)."""
        ref = self.source_ref or ""
        if self.source == "stock" and ref.startswith("movement:") and ref[9:].isdigit():
            return int(ref[9:])
        return None


ACCOUNT_TYPES = frozenset({"asset", "liability", "equity", "income", "expense"})


def journal_posted(data: dict[str, Any]) -> JournalPosted:
    lines = []
    for ln in data["lines"]:
        kind = str(ln["account_type"])
        if kind not in ACCOUNT_TYPES:
            raise ValueError(f"lines.account_type: unknown type {kind!r}")
        lines.append(
            JournalLine(
                account=str(ln["account"]),
                account_type=kind,
                debit=_decimal(ln.get("debit", "0"), "lines.debit"),
                credit=_decimal(ln.get("credit", "0"), "lines.credit"),
            )
        )
    return JournalPosted(
        entry_id=int(data.get("entry_id", data.get("id", 0))),
        date=_day(data["date"], "date"),
        source=str(data.get("source") or "manual"),
        source_ref=data.get("source_ref"),
        lines=tuple(lines),
    )


@dataclass(frozen=True)
class InvoiceLine:
    line_no: int
    sku: str
    warehouse: str
    quantity: Decimal
    net: Decimal


@dataclass(frozen=True)
class InvoiceIssued:
    invoice_id: int
    issue_no: int
    customer: str
    date: dt.date
    currency: str
    rate: Decimal
    total: Decimal
    lines: tuple[InvoiceLine, ...]


def invoice_issued(data: dict[str, Any]) -> InvoiceIssued:
    lines = []
    for i, ln in enumerate(data["lines"]):
        quantity = _decimal(ln["quantity"], "lines.quantity")
        if ln.get("net") is not None:
            net = _decimal(ln["net"], "lines.net")
        else:
            net = quantity * _decimal(ln["unit_price"], "lines.unit_price")
        lines.append(
            InvoiceLine(
                line_no=int(ln.get("line_no", i)),
                sku=str(ln["sku"]),
                warehouse=str(ln.get("warehouse") or ""),
                quantity=quantity,
                net=net,
            )
        )
    return InvoiceIssued(
        invoice_id=int(data["invoice_id"]),
        issue_no=int(data.get("issue_no") or 1),
        customer=str(data["customer"]),
        date=_day(data["date"], "date"),
        currency=str(data["currency"]),
        rate=_decimal(data.get("rate", "1"), "rate"),
        total=_decimal(data["total"], "total"),
        lines=tuple(lines),
    )


@dataclass(frozen=True)
class InvoiceStatus:
    invoice_id: int
    customer: str
    date: dt.date
    currency: str
    status: str
    total: Decimal
    changed_at: dt.datetime


def invoice_status(data: dict[str, Any], *, fallback_time: dt.datetime) -> InvoiceStatus:
    changed = data.get("changed_at")
    return InvoiceStatus(
        invoice_id=int(data["invoice_id"]),
        customer=str(data["customer"]),
        date=_day(data["date"], "date"),
        currency=str(data["currency"]),
        status=str(data["status"]),
        total=_decimal(data["total"], "total"),
        changed_at=_moment(changed, "changed_at") if changed else fallback_time,
    )


@dataclass(frozen=True)
class PaymentReceived:
    payment_id: int
    invoice_id: int
    date: dt.date
    amount: Decimal


def payment_received(data: dict[str, Any]) -> PaymentReceived:
    return PaymentReceived(
        payment_id=int(data["payment_id"]),
        invoice_id=int(data["invoice_id"]),
        date=_day(data["date"], "date"),
        amount=_decimal(data["amount"], "amount"),
    )


@dataclass(frozen=True)
class LowStock:
    sku: str
    warehouse: str
    reorder_point: Decimal


def low_stock(data: dict[str, Any]) -> LowStock:
    return LowStock(
        sku=str(data["sku"]),
        warehouse=str(data["warehouse"]),
        reorder_point=_decimal(data["reorder_point"], "reorder_point"),
    )


@dataclass(frozen=True)
class ReservationChanged:
    reservation_id: int
    sku: str
    warehouse: str
    quantity: Decimal
    status: str


def reservation_changed(data: dict[str, Any]) -> ReservationChanged:
    return ReservationChanged(
        reservation_id=int(data["id"]),
        sku=str(data["sku"]),
        warehouse=str(data["warehouse"]),
        quantity=_decimal(data["quantity"], "quantity"),
        status=str(data["status"]),
    )


def period_closed(data: dict[str, Any]) -> dt.date:
    return _day(data["closed_through"], "closed_through")
