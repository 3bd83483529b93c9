"""Inventory tables (SQLAlchemy Core: the ledger's write path stays off the ORM)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    text,
)

from erp.platform.db.tables import (
    BigId,
    add_platform_tables,
    id_column,
    quantity_column,
    timestamp_column,
)
from erp.platform.db.types import QUANTITY, UNIT_PRICE, ScaledDecimal

STOCK_VALUE = ScaledDecimal(2, 20)  # the base currency's minor unit


def posting_date_column() -> Column[Any]:
    """The business day a row counts on. The server default only serves writers that predate
    the column (the previous release during a rollout); this code always gives the date."""
    return Column("posting_date", Date, nullable=False, server_default=text("CURRENT_DATE"))


metadata = MetaData()
add_platform_tables(metadata)

items = Table(
    "items",
    metadata,
    id_column(),
    Column("sku", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("uom", String(16), nullable=False),
    quantity_column("reorder_point"),
    Column("active", Boolean, nullable=False),
    timestamp_column("created_at"),
    timestamp_column("updated_at"),
)

warehouses = Table(
    "warehouses",
    metadata,
    id_column(),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("allow_negative", Boolean, nullable=False),
    Column("active", Boolean, nullable=False),
    timestamp_column("created_at"),
)

# Current position per item and warehouse, kept in step with the ledger in the same
# transaction; `erp inventory verify` recomputes it from stock_ledger.
bins = Table(
    "bins",
    metadata,
    Column("sku", String(64), ForeignKey("items.sku"), primary_key=True),
    Column("warehouse", String(32), ForeignKey("warehouses.code"), primary_key=True),
    quantity_column("on_hand"),
    Column("value", STOCK_VALUE, nullable=False),
    timestamp_column("updated_at"),
)

movements = Table(
    "movements",
    metadata,
    id_column(),
    Column("type", String(16), nullable=False),
    Column("warehouse", String(32), ForeignKey("warehouses.code"), nullable=False),
    Column("to_warehouse", String(32), ForeignKey("warehouses.code"), nullable=True),
    Column("reference", String(200), nullable=True),
    Column("reason", String(500), nullable=True),
    # A reversal points at what it reverses; unique, so nothing is reversed twice.
    Column("reverses", BigId, ForeignKey("movements.id"), nullable=True, unique=True),
    # A supplier return points at the receipt it sends goods back from; a receipt may have
    # several. No foreign key: adding one later would rebuild this table on SQLite; only the
    # return path writes it, from the receipt's locked row.
    Column("returns", BigId, nullable=True),
    posting_date_column(),
    timestamp_column("posted_at"),
    Column("posted_by", String(100), nullable=False),
    CheckConstraint(
        "type IN ('receipt','issue','transfer','adjustment')", name="ck_movements_type"
    ),
    Index("ix_movements_posted_at", "posted_at"),
    Index("ix_movements_posting_date", "posting_date"),
    Index("ix_movements_returns", "returns"),
)

# The append-only stock ledger: one row per item, warehouse and movement line. Rows carry the
# running position after them, so any past position is one indexed lookup. Within a bin, id
# order is also posting-date order (a movement is never dated before its bins' latest line), so
# the rows up to a date are a prefix of the bin's rows and the last of them holds the position.
stock_ledger = Table(
    "stock_ledger",
    metadata,
    id_column(),
    Column("movement_id", BigId, ForeignKey("movements.id"), nullable=False),
    Column("line_no", BigId, nullable=False),
    Column("sku", String(64), nullable=False),
    Column("warehouse", String(32), nullable=False),
    quantity_column("quantity"),
    Column("unit_cost", UNIT_PRICE, nullable=False),
    Column("value", STOCK_VALUE, nullable=False),
    quantity_column("on_hand_after"),
    Column("value_after", STOCK_VALUE, nullable=False),
    posting_date_column(),
    timestamp_column("posted_at"),
    UniqueConstraint("movement_id", "line_no", "sku", "warehouse", name="uq_stock_ledger_line"),
    Index("ix_stock_ledger_bin", "sku", "warehouse", "id"),
    Index("ix_stock_ledger_posted_at", "posted_at"),
    Index("ix_stock_ledger_posting_date", "posting_date"),
)

reservations = Table(
    "reservations",
    metadata,
    id_column(),
    Column("sku", String(64), nullable=False),
    Column("warehouse", String(32), nullable=False),
    quantity_column("quantity"),  # as first held; what is still held is quantity - consumed
    Column("consumed", QUANTITY, nullable=False, server_default=text("0")),
    Column("reference", String(200), nullable=True),
    Column("status", String(16), nullable=False),
    timestamp_column("expires_at"),
    timestamp_column("created_at"),
    timestamp_column("closed_at", nullable=True),
    Column("consumed_by", BigId, ForeignKey("movements.id"), nullable=True),
    CheckConstraint("status IN ('active','released','consumed')", name="ck_reservations_status"),
    Index("ix_reservations_bin_status", "sku", "warehouse", "status"),
)

# Each issue that drew on a reservation, and how much: what a hold still held at a past moment
# is its quantity less the uses up to then.
reservation_uses = Table(
    "reservation_uses",
    metadata,
    id_column(),
    Column("reservation_id", BigId, ForeignKey("reservations.id"), nullable=False),
    Column("movement_id", BigId, ForeignKey("movements.id"), nullable=False),
    quantity_column("quantity"),
    timestamp_column("used_at"),
    Index("ix_reservation_uses_reservation", "reservation_id", "used_at"),
)

# Finance's latest period close as inventory last heard of it (one row): nothing may be dated
# on or before `closed_through`. Periods are never reopened, so only a later date replaces it.
closed_period = Table(
    "closed_period",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("closed_through", Date, nullable=False),
    timestamp_column("closed_at"),
    Column("closed_by", String(100), nullable=False),
    CheckConstraint("id = 1", name="ck_closed_period_single_row"),
)

# Orders placed with suppliers; receipts against their lines count what came in.
# draft → approved → partly_received → received, then closed (or a draft cancelled).
purchase_orders = Table(
    "purchase_orders",
    metadata,
    id_column(),
    Column("supplier", String(64), nullable=False),
    Column("currency", String(3), nullable=True),  # NULL: priced in the base currency
    Column("order_date", Date, nullable=False),
    Column("expected_date", Date, nullable=True),
    Column("status", String(16), nullable=False),
    Column("notes", String(2000), nullable=True),
    timestamp_column("created_at"),
    Column("created_by", String(100), nullable=False),
    timestamp_column("updated_at"),
    Column("updated_by", String(100), nullable=False),
    CheckConstraint(
        "status IN ('draft','approved','partly_received','received','closed','cancelled')",
        name="ck_purchase_orders_status",
    ),
    Index("ix_purchase_orders_supplier", "supplier", "id"),
    Index("ix_purchase_orders_status", "status", "id"),
)

# `quantity_received` is kept in step with `purchase_order_receipts` in the receipt's
# transaction, under a lock on the order row.
purchase_order_lines = Table(
    "purchase_order_lines",
    metadata,
    Column("order_id", BigId, ForeignKey("purchase_orders.id"), primary_key=True),
    Column("line_no", Integer, primary_key=True, autoincrement=False),
    Column("sku", String(64), ForeignKey("items.sku"), nullable=False),
    Column("warehouse", String(32), ForeignKey("warehouses.code"), nullable=False),
    quantity_column("quantity_ordered"),
    Column("unit_price", UNIT_PRICE, nullable=False),
    quantity_column("quantity_received"),
)

# Which movement line received how much against which order line (a reversal's row is
# negative): what a reversal gives back, and what `quantity_received` sums up.
purchase_order_receipts = Table(
    "purchase_order_receipts",
    metadata,
    id_column(),
    Column("movement_id", BigId, ForeignKey("movements.id"), nullable=False),
    Column("movement_line_no", BigId, nullable=False),
    Column("order_id", BigId, nullable=False),
    Column("line_no", Integer, nullable=False),
    quantity_column("quantity"),
    ForeignKeyConstraint(
        ["order_id", "line_no"],
        ["purchase_order_lines.order_id", "purchase_order_lines.line_no"],
        name="fk_purchase_order_receipts_line",
    ),
    UniqueConstraint("movement_id", "movement_line_no", name="uq_purchase_order_receipts_line"),
    Index("ix_purchase_order_receipts_order", "order_id", "line_no"),
)

idempotency_keys = metadata.tables["idempotency_keys"]
