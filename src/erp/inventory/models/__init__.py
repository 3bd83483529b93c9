"""Inventory tables (SQLAlchemy Core: the ledger's write path stays off the ORM)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    MetaData,
    String,
    Table,
    UniqueConstraint,
)

from erp.platform.db.tables import (
    BigId,
    add_platform_tables,
    id_column,
    quantity_column,
    timestamp_column,
)
from erp.platform.db.types import UNIT_PRICE, ScaledDecimal

STOCK_VALUE = ScaledDecimal(2, 20)  # the base currency's minor unit

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
    timestamp_column("posted_at"),
    Column("posted_by", String(100), nullable=False),
    CheckConstraint(
        "type IN ('receipt','issue','transfer','adjustment')", name="ck_movements_type"
    ),
    Index("ix_movements_posted_at", "posted_at"),
)

# The append-only stock ledger: one row per item, warehouse and movement line. Rows carry the
# running position after them, so any past position is one indexed lookup.
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
    timestamp_column("posted_at"),
    UniqueConstraint("movement_id", "line_no", "sku", "warehouse", name="uq_stock_ledger_line"),
    Index("ix_stock_ledger_bin", "sku", "warehouse", "id"),
    Index("ix_stock_ledger_posted_at", "posted_at"),
)

reservations = Table(
    "reservations",
    metadata,
    id_column(),
    Column("sku", String(64), nullable=False),
    Column("warehouse", String(32), nullable=False),
    quantity_column("quantity"),
    Column("reference", String(200), nullable=True),
    Column("status", String(16), nullable=False),
    timestamp_column("expires_at"),
    timestamp_column("created_at"),
    timestamp_column("closed_at", nullable=True),
    Column("consumed_by", BigId, ForeignKey("movements.id"), nullable=True),
    CheckConstraint("status IN ('active','released','consumed')", name="ck_reservations_status"),
    Index("ix_reservations_bin_status", "sku", "warehouse", "status"),
)

idempotency_keys = metadata.tables["idempotency_keys"]
