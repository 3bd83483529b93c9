"""The events inventory publishes (source `erp/inventory`).

Subjects: `warehouse/<code>` for movements and low-stock alerts (the movement's warehouse, the
source of a transfer), `reservation/<id>`, `invoice/<id>` for issue rejections.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, Self

from erp.contracts.references import invoice_of, invoice_ref
from erp.contracts.wire import (
    Data,
    Payload,
    decimal,
    decimal_or_none,
    int_or_none,
    moment,
    moment_or_none,
    out,
    str_or_none,
)


@dataclass(frozen=True, kw_only=True)
class StockLine:
    """One ledger line: signed quantity and value, and the bin's position after it."""

    line_no: int
    sku: str
    warehouse: str
    quantity: Decimal
    unit_cost: Decimal
    value: Decimal
    on_hand_after: Decimal
    value_after: Decimal
    average_cost_after: Decimal

    def to_data(self) -> Data:
        return {
            "line_no": self.line_no,
            "sku": self.sku,
            "warehouse": self.warehouse,
            "quantity": out(self.quantity),
            "unit_cost": out(self.unit_cost),
            "value": out(self.value),
            "on_hand_after": out(self.on_hand_after),
            "value_after": out(self.value_after),
            "average_cost_after": out(self.average_cost_after),
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            line_no=int(data["line_no"]),
            sku=str(data["sku"]),
            warehouse=str(data["warehouse"]),
            quantity=decimal(data["quantity"], "lines.quantity"),
            unit_cost=decimal(data["unit_cost"], "lines.unit_cost"),
            value=decimal(data["value"], "lines.value"),
            on_hand_after=decimal(data["on_hand_after"], "lines.on_hand_after"),
            value_after=decimal(data["value_after"], "lines.value_after"),
            average_cost_after=decimal(data["average_cost_after"], "lines.average_cost_after"),
        )


@dataclass(frozen=True, kw_only=True)
class StockMoved(Payload):
    """One posted movement (a reversal too: it carries the negated lines of its original).
    A transfer has two lines per line number, the outbound one first."""

    TOPIC: ClassVar[str] = "inventory.stock-moved"

    movement_id: int
    type: str  # receipt | issue | transfer | adjustment
    warehouse: str
    posted_at: dt.datetime
    posted_by: str
    lines: tuple[StockLine, ...]
    to_warehouse: str | None = None
    reference: str | None = None
    reason: str | None = None
    reverses: int | None = None

    @property
    def invoice_id(self) -> int | None:
        """The invoice whose goods these are, when the reference is `invoice:<id>`."""
        return invoice_of(self.reference)

    @property
    def posted_on(self) -> dt.date:
        return self.posted_at.astimezone(dt.UTC).date()

    def to_data(self) -> Data:
        # The order consumers have always received (`movement_id` after the header fields).
        return {
            "type": self.type,
            "warehouse": self.warehouse,
            "to_warehouse": self.to_warehouse,
            "reference": self.reference,
            "reason": self.reason,
            "reverses": self.reverses,
            "posted_at": out(self.posted_at),
            "posted_by": self.posted_by,
            "movement_id": self.movement_id,
            "lines": [line.to_data() for line in self.lines],
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            movement_id=int(data["movement_id"]),
            type=str(data["type"]),
            warehouse=str(data["warehouse"]),
            to_warehouse=str_or_none(data.get("to_warehouse")),
            reference=str_or_none(data.get("reference")),
            reason=str_or_none(data.get("reason")),
            reverses=int_or_none(data.get("reverses")),
            posted_at=moment(data["posted_at"], "posted_at"),
            posted_by=str(data["posted_by"]),
            lines=tuple(StockLine.from_data(line) for line in data["lines"]),
        )


@dataclass(frozen=True, kw_only=True)
class MovementReversed(Payload):
    """`movement_id` reverses `reverses`; its own `inventory.stock-moved` carries the values."""

    TOPIC: ClassVar[str] = "inventory.movement-reversed"

    movement_id: int
    reverses: int
    posted_at: dt.datetime

    def to_data(self) -> Data:
        return {
            "movement_id": self.movement_id,
            "reverses": self.reverses,
            "posted_at": out(self.posted_at),
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            movement_id=int(data["movement_id"]),
            reverses=int(data["reverses"]),
            posted_at=moment(data["posted_at"], "posted_at"),
        )


@dataclass(frozen=True, kw_only=True)
class ReservationChanged(Payload):
    """A hold as it is now: created (`active`), `released` or `consumed` by an issue."""

    TOPIC: ClassVar[str] = "inventory.reservation-changed"

    reservation_id: int  # `id` on the wire
    sku: str
    warehouse: str
    quantity: Decimal
    status: str  # active | expired | released | consumed
    expires_at: dt.datetime
    created_at: dt.datetime
    reference: str | None = None
    closed_at: dt.datetime | None = None
    consumed_by: int | None = None  # the issue movement

    def to_data(self) -> Data:
        return {
            "id": self.reservation_id,
            "sku": self.sku,
            "warehouse": self.warehouse,
            "quantity": out(self.quantity),
            "reference": self.reference,
            "status": self.status,
            "expires_at": out(self.expires_at),
            "created_at": out(self.created_at),
            "closed_at": out(self.closed_at),
            "consumed_by": self.consumed_by,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            reservation_id=int(data["id"]),
            sku=str(data["sku"]),
            warehouse=str(data["warehouse"]),
            quantity=decimal(data["quantity"], "quantity"),
            reference=str_or_none(data.get("reference")),
            status=str(data["status"]),
            expires_at=moment(data["expires_at"], "expires_at"),
            created_at=moment(data["created_at"], "created_at"),
            closed_at=moment_or_none(data.get("closed_at"), "closed_at"),
            consumed_by=int_or_none(data.get("consumed_by")),
        )


@dataclass(frozen=True, kw_only=True)
class LowStock(Payload):
    """An outflow took on hand from at or above the reorder point to below it."""

    TOPIC: ClassVar[str] = "inventory.low-stock"

    sku: str
    warehouse: str
    reorder_point: Decimal
    on_hand: Decimal
    movement_id: int

    def to_data(self) -> Data:
        return {
            "sku": self.sku,
            "warehouse": self.warehouse,
            "reorder_point": out(self.reorder_point),
            "on_hand": out(self.on_hand),
            "movement_id": self.movement_id,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            sku=str(data["sku"]),
            warehouse=str(data["warehouse"]),
            reorder_point=decimal(data["reorder_point"], "reorder_point"),
            on_hand=decimal(data["on_hand"], "on_hand"),
            movement_id=int(data["movement_id"]),
        )


@dataclass(frozen=True, kw_only=True)
class IssueRejected(Payload):
    """An invoice's goods could not be issued, so nothing moved. `sku`, `warehouse`,
    `requested` and `available` name the shortage; all four are null for any other cause."""

    TOPIC: ClassVar[str] = "inventory.issue-rejected"

    invoice_id: int
    issue_no: int | None
    reason: str
    sku: str | None = None
    warehouse: str | None = None
    requested: Decimal | None = None
    available: Decimal | None = None

    @property
    def reference(self) -> str:
        return invoice_ref(self.invoice_id)

    def to_data(self) -> Data:
        return {
            "invoice_id": self.invoice_id,
            "issue_no": self.issue_no,
            "reference": self.reference,
            "reason": self.reason,
            "sku": self.sku,
            "warehouse": self.warehouse,
            "requested": out(self.requested),
            "available": out(self.available),
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            invoice_id=int(data["invoice_id"]),
            issue_no=int_or_none(data.get("issue_no")),
            reason=str(data["reason"]),
            sku=str_or_none(data.get("sku")),
            warehouse=str_or_none(data.get("warehouse")),
            requested=decimal_or_none(data.get("requested"), "requested"),
            available=decimal_or_none(data.get("available"), "available"),
        )
