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

from erp.platform.db.tables import BigId, add_platform_tables
from erp.platform.db.types import ScaledDecimal, UTCDateTime

QTY = ScaledDecimal(4, 18)  # quantities: 4 decimal places
PRICE = ScaledDecimal(4, 18)  # unit costs as entered: 4 decimal places
MONEY = ScaledDecimal(2, 20)  # stock values: the base currency's minor unit

metadata = MetaData()
add_platform_tables(metadata)

items = Table(
    "items",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("sku", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("uom", String(16), nullable=False),
    Column("reorder_point", QTY, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

warehouses = Table(
    "warehouses",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("allow_negative", Boolean, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

# Current position per item and warehouse, kept in step with the ledger in the same
# transaction; `erp inventory verify` recomputes it from stock_ledger.
bins = Table(
    "bins",
    metadata,
    Column("sku", String(64), ForeignKey("items.sku"), primary_key=True),
    Column("warehouse", String(32), ForeignKey("warehouses.code"), primary_key=True),
    Column("on_hand", QTY, nullable=False),
    Column("value", MONEY, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

movements = Table(
    "movements",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("type", String(16), nullable=False),
    Column("warehouse", String(32), ForeignKey("warehouses.code"), nullable=False),
    Column("to_warehouse", String(32), ForeignKey("warehouses.code"), nullable=True),
    Column("reference", String(200), nullable=True),
    Column("reason", String(500), nullable=True),
    # A reversal points at what it reverses; unique, so nothing is reversed twice.
    Column("reverses", BigId, ForeignKey("movements.id"), nullable=True, unique=True),
    Column("posted_at", UTCDateTime(), nullable=False),
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
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("movement_id", BigId, ForeignKey("movements.id"), nullable=False),
    Column("line_no", BigId, nullable=False),
    Column("sku", String(64), nullable=False),
    Column("warehouse", String(32), nullable=False),
    Column("quantity", QTY, nullable=False),
    Column("unit_cost", PRICE, nullable=False),
    Column("value", MONEY, nullable=False),
    Column("on_hand_after", QTY, nullable=False),
    Column("value_after", MONEY, nullable=False),
    Column("posted_at", UTCDateTime(), nullable=False),
    UniqueConstraint("movement_id", "line_no", "sku", "warehouse", name="uq_stock_ledger_line"),
    Index("ix_stock_ledger_bin", "sku", "warehouse", "id"),
    Index("ix_stock_ledger_posted_at", "posted_at"),
)

reservations = Table(
    "reservations",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("sku", String(64), nullable=False),
    Column("warehouse", String(32), nullable=False),
    Column("quantity", QTY, nullable=False),
    Column("reference", String(200), nullable=True),
    Column("status", String(16), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("closed_at", UTCDateTime(), nullable=True),
    Column("consumed_by", BigId, ForeignKey("movements.id"), nullable=True),
    CheckConstraint("status IN ('active','released','consumed')", name="ck_reservations_status"),
    Index("ix_reservations_bin_status", "sku", "warehouse", "status"),
)

idempotency_keys = metadata.tables["idempotency_keys"]
