"""The topics reporting subscribes to (DESIGN §4: `<service>.<event>`)."""

from __future__ import annotations

STOCK_MOVED = "inventory.stock-moved"
MOVEMENT_REVERSED = "inventory.movement-reversed"
RESERVATION_CHANGED = "inventory.reservation-changed"
LOW_STOCK = "inventory.low-stock"
JOURNAL_POSTED = "finance.journal-posted"
INVOICE_ISSUED = "finance.invoice-issued"
INVOICE_STATUS_CHANGED = "finance.invoice-status-changed"
INVOICE_VOIDED = "finance.invoice-voided"
PAYMENT_RECEIVED = "finance.payment-received"
PERIOD_CLOSED = "finance.period-closed"

ALL = (
    STOCK_MOVED,
    MOVEMENT_REVERSED,
    RESERVATION_CHANGED,
    LOW_STOCK,
    JOURNAL_POSTED,
    INVOICE_ISSUED,
    INVOICE_STATUS_CHANGED,
    INVOICE_VOIDED,
    PAYMENT_RECEIVED,
    PERIOD_CLOSED,
)
