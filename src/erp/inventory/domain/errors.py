"""Inventory's domain errors (the platform maps them to problem+json)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from erp.platform.errors import Conflict


class InsufficientStock(Conflict):
    slug, title = "insufficient-stock", "Insufficient stock"

    def __init__(self, *, sku: str, warehouse: str, requested: Decimal, available: Decimal) -> None:
        super().__init__(
            f"insufficient stock of {sku} in {warehouse}: requested {requested}, "
            f"available {available}",
            sku=sku,
            warehouse=warehouse,
            requested=str(requested),
            available=str(available),
        )


class PeriodClosed(Conflict):
    slug, title = "period-closed", "Period closed"

    def __init__(self, *, posting_date: date, closed_through: date) -> None:
        super().__init__(
            f"posting_date {posting_date} is in a closed period: the books are closed through "
            f"{closed_through}",
            field="posting_date",
            posting_date=posting_date.isoformat(),
            closed_through=closed_through.isoformat(),
        )


class BackDated(Conflict):
    slug, title = "back-dated", "Dated before the ledger's latest posting date"

    def __init__(self, *, posting_date: date, latest: date, sku: str, warehouse: str) -> None:
        super().__init__(
            f"posting_date {posting_date} is before {latest}, the latest posting date of {sku} "
            f"in {warehouse}: date it {latest} or later",
            field="posting_date",
            posting_date=posting_date.isoformat(),
            latest_posting_date=latest.isoformat(),
            sku=sku,
            warehouse=warehouse,
        )


class DocumentOwned(Conflict):
    slug, title = "document-owned", "Owned by a document"

    def __init__(self, *, movement_id: int, document: str, invoice_id: int) -> None:
        super().__init__(
            f"movement {movement_id} was posted for invoice {invoice_id}: void or credit "
            f"invoice {invoice_id} instead",
            document=document,
        )


class CapacityExceeded(Conflict):
    """A bin would pass the largest on-hand quantity or value its columns hold."""

    slug, title = "capacity-exceeded", "Beyond what a stock position can hold"

    def __init__(
        self, *, sku: str, warehouse: str, measure: str, limit: Decimal, field: str | None
    ) -> None:
        extra: dict[str, Any] = {"field": field} if field else {}
        super().__init__(
            f"{sku} in {warehouse} would pass the largest {measure} a stock position holds "
            f"({limit})",
            sku=sku,
            warehouse=warehouse,
            measure=measure,
            limit=str(limit),
            **extra,
        )


class OverReceipt(Conflict):
    """Receipts against a purchase order line would pass what it ordered by more than the
    receipt tolerance allows."""

    slug, title = "over-receipt", "More than the purchase order line allows"

    def __init__(
        self,
        *,
        field: str,
        order_id: int,
        line_no: int,
        ordered: Decimal,
        received: Decimal,
        tolerance: Decimal,
        requested: Decimal,
    ) -> None:
        super().__init__(
            f"line {line_no} of purchase order {order_id} ordered {ordered} and received "
            f"{received}; {requested} more passes the tolerance of {tolerance}",
            field=field,
            order_id=order_id,
            line_no=line_no,
            ordered=str(ordered),
            received=str(received),
            tolerance=str(tolerance),
            requested=str(requested),
        )
