"""The events inventory publishes (source `erp/inventory`).

Subjects: `warehouse/<code>` for movements and low-stock alerts (the movement's warehouse, the
source of a transfer), `reservation/<id>`, `invoice/<id>` for issue rejections,
`purchase-order/<id>` for purchase orders.

Fields stand in the order their keys travel (see `erp.contracts.wire.Record`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from erp.contracts.references import invoice_of, invoice_ref
from erp.contracts.wire import Payload, Record


@dataclass(frozen=True, kw_only=True)
class StockLine(Record):
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
    uom: str | None = None  # the item's unit of measure (absent in events before it travelled)
    # A receipt line posted against a purchase order line (its reversal too): the order, its
    # line and the supplier, so finance can match the supplier's bill to what came in.
    purchase_order_id: int | None = None
    purchase_order_line: int | None = None
    supplier: str | None = None

    # Sent only when set: a line of any other movement travels exactly as it always has.
    OMITTED_WHEN_NULL: ClassVar[tuple[str, ...]] = (
        "purchase_order_id",
        "purchase_order_line",
        "supplier",
    )


@dataclass(frozen=True, kw_only=True)
class StockMoved(Payload):
    """One posted movement (a reversal or a supplier return too: it carries negated lines of
    its original).
    A transfer has two lines per line number, the outbound one first. `movement_id` travels
    after the header fields, where consumers have always received it."""

    TOPIC: ClassVar[str] = "inventory.stock-moved"
    ROW_KEYS: ClassVar[Mapping[str, str]] = {"movement_id": "id"}

    type: str  # receipt | issue | transfer | adjustment
    warehouse: str
    to_warehouse: str | None = None
    reference: str | None = None
    reason: str | None = None
    reverses: int | None = None
    # A supplier return: the receipt it sends goods back from (`reverses` names it too, so a
    # consumer takes the lines off that receipt), for part of its lines or quantities. Sent
    # only when set: any other movement travels exactly as it always has.
    returns: int | None = None
    posting_date: dt.date | None = None  # the business day; absent before it travelled
    posted_at: dt.datetime
    posted_by: str
    movement_id: int
    lines: tuple[StockLine, ...]

    OMITTED_WHEN_NULL: ClassVar[tuple[str, ...]] = ("returns",)

    @property
    def invoice_id(self) -> int | None:
        """The invoice whose goods these are, when the reference is `invoice:<id>`."""
        return invoice_of(self.reference)

    @property
    def posted_on(self) -> dt.date:
        """The business day the movement counts on: its posting date (the day it was posted,
        in UTC, for events from before posting dates travelled)."""
        if self.posting_date is not None:
            return self.posting_date
        return self.posted_at.astimezone(dt.UTC).date()


@dataclass(frozen=True, kw_only=True)
class MovementReversed(Payload):
    """`movement_id` reverses `reverses`; its own `inventory.stock-moved` carries the values."""

    TOPIC: ClassVar[str] = "inventory.movement-reversed"

    movement_id: int
    reverses: int
    posted_at: dt.datetime


@dataclass(frozen=True, kw_only=True)
class ReservationChanged(Payload):
    """A hold as it is now: created (`active`), `released` or `consumed` by an issue."""

    TOPIC: ClassVar[str] = "inventory.reservation-changed"
    WIRE_KEYS: ClassVar[Mapping[str, str]] = {"reservation_id": "id"}  # and in its row

    reservation_id: int
    sku: str
    warehouse: str
    quantity: Decimal
    reference: str | None = None
    status: str  # active | expired | released | consumed
    expires_at: dt.datetime
    created_at: dt.datetime
    closed_at: dt.datetime | None = None
    consumed_by: int | None = None  # the issue movement


@dataclass(frozen=True, kw_only=True)
class ItemChanged(Payload):
    """An item as it is now, after it was created or updated: what reports need to name it,
    count it in its unit and compare its positions with its reorder point."""

    TOPIC: ClassVar[str] = "inventory.item-changed"

    sku: str
    name: str
    uom: str
    reorder_point: Decimal
    active: bool
    changed_at: dt.datetime


@dataclass(frozen=True, kw_only=True)
class LowStock(Payload):
    """An outflow took on hand from at or above the reorder point to below it."""

    TOPIC: ClassVar[str] = "inventory.low-stock"

    sku: str
    warehouse: str
    reorder_point: Decimal
    on_hand: Decimal
    movement_id: int


@dataclass(frozen=True, kw_only=True)
class IssueRejected(Payload):
    """An invoice's goods could not be issued, so nothing moved. `sku`, `warehouse`,
    `requested` and `available` name the shortage; all four are null for any other cause."""

    TOPIC: ClassVar[str] = "inventory.issue-rejected"
    SENT_AFTER: ClassVar[Mapping[str, str]] = {"reference": "issue_no"}

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


@dataclass(frozen=True, kw_only=True)
class InvoiceGoodsIssued(Payload):
    """Every line of an invoice's issue request (`issue_no`) left stock, dated `posting_date`
    (the invoice's date); the movements' own `inventory.stock-moved` events carry the values.
    Finance posts the revenue and marks the invoice issued on this event."""

    TOPIC: ClassVar[str] = "inventory.invoice-goods-issued"
    SENT_AFTER: ClassVar[Mapping[str, str]] = {"reference": "issue_no"}

    invoice_id: int
    issue_no: int
    posting_date: dt.date
    issued_at: dt.datetime

    @property
    def reference(self) -> str:
        return invoice_ref(self.invoice_id)


@dataclass(frozen=True, kw_only=True)
class PurchaseOrderLine(Record):
    """One line of a purchase order: what was ordered, at what price, and what came in so far
    (which may pass what was ordered, within the receipt tolerance)."""

    line_no: int
    sku: str
    warehouse: str
    quantity_ordered: Decimal
    unit_price: Decimal
    quantity_received: Decimal


@dataclass(frozen=True, kw_only=True)
class PurchaseOrderApproved(Payload):
    """An order was approved: the supplier's goods are now expected and receipts may be
    posted against its lines. `currency` null: priced in the base currency."""

    TOPIC: ClassVar[str] = "inventory.purchase-order-approved"

    order_id: int
    supplier: str
    currency: str | None = None
    order_date: dt.date
    expected_date: dt.date | None = None
    approved_at: dt.datetime
    approved_by: str
    lines: tuple[PurchaseOrderLine, ...]


@dataclass(frozen=True, kw_only=True)
class PurchaseOrderClosed(Payload):
    """An order was closed: nothing more is expected against it. Its lines say what came in;
    what was ordered and did not will not come."""

    TOPIC: ClassVar[str] = "inventory.purchase-order-closed"

    order_id: int
    supplier: str
    currency: str | None = None
    previous_status: str  # approved | partly_received | received
    closed_at: dt.datetime
    closed_by: str
    lines: tuple[PurchaseOrderLine, ...]
