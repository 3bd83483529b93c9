"""purchase orders

Revision ID: 20261207_0003
Revises: 20261201_0002
Create Date: 2026-12-07 17:09:42.007411

Purchase orders placed with suppliers (`purchase_orders`, `purchase_order_lines`) and the
receipt lines posted against them (`purchase_order_receipts`, negative for a reversal).

An expand step: three new tables the previous release never names, so its code keeps serving
on this schema.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

import erp.platform.db.types

revision: str = "20261207_0003"
down_revision: str | None = "20261201_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
serves_code_from: str | None = "20261201_0002"

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _quantity(name: str) -> sa.Column[Any]:
    return sa.Column(
        name, erp.platform.db.types.ScaledDecimal(precision=18, scale=4), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "purchase_orders",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("supplier", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("order_date", sa.Date(), nullable=False),
        sa.Column("expected_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("notes", sa.String(length=2000), nullable=True),
        sa.Column("created_at", erp.platform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", erp.platform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft','approved','partly_received','received','closed','cancelled')",
            name="ck_purchase_orders_status",
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("purchase_orders", schema=None) as batch_op:
        batch_op.create_index("ix_purchase_orders_status", ["status", "id"], unique=False)
        batch_op.create_index("ix_purchase_orders_supplier", ["supplier", "id"], unique=False)

    op.create_table(
        "purchase_order_lines",
        sa.Column("order_id", ID, nullable=False),
        sa.Column("line_no", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("warehouse", sa.String(length=32), nullable=False),
        _quantity("quantity_ordered"),
        sa.Column(
            "unit_price",
            erp.platform.db.types.ScaledDecimal(precision=18, scale=4),
            nullable=False,
        ),
        _quantity("quantity_received"),
        sa.ForeignKeyConstraint(["order_id"], ["purchase_orders.id"]),
        sa.ForeignKeyConstraint(["sku"], ["items.sku"]),
        sa.ForeignKeyConstraint(["warehouse"], ["warehouses.code"]),
        sa.PrimaryKeyConstraint("order_id", "line_no"),
    )

    op.create_table(
        "purchase_order_receipts",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("movement_id", ID, nullable=False),
        sa.Column("movement_line_no", ID, nullable=False),
        sa.Column("order_id", ID, nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        _quantity("quantity"),
        sa.ForeignKeyConstraint(["movement_id"], ["movements.id"]),
        sa.ForeignKeyConstraint(
            ["order_id", "line_no"],
            ["purchase_order_lines.order_id", "purchase_order_lines.line_no"],
            name="fk_purchase_order_receipts_line",
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "movement_id", "movement_line_no", name="uq_purchase_order_receipts_line"
        ),
    )
    with op.batch_alter_table("purchase_order_receipts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_purchase_order_receipts_order", ["order_id", "line_no"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("purchase_order_receipts", schema=None) as batch_op:
        batch_op.drop_index("ix_purchase_order_receipts_order")
    op.drop_table("purchase_order_receipts")
    op.drop_table("purchase_order_lines")
    with op.batch_alter_table("purchase_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_purchase_orders_supplier")
        batch_op.drop_index("ix_purchase_orders_status")
    op.drop_table("purchase_orders")
