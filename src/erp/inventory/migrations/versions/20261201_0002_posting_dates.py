"""posting dates, period close, partial reservation use

Revision ID: 20261201_0002
Revises: 20261125_0001
Create Date: 2026-12-01 09:00:00.000000

Movements and their ledger lines get the business day they count on, `posting_date`; rows
already there take the UTC day of `posted_at`. Reservations count what issues took from them
(`consumed`, and one `reservation_uses` row per issue). `closed_period` keeps finance's latest
period close.

An expand step: the previous release never names the new columns, and their server defaults
(today, 0) fill them in for its inserts, so its code keeps serving on this schema.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import erp.platform.db.types

revision: str = "20261201_0002"
down_revision: str | None = "20261125_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
serves_code_from: str | None = "20261125_0001"

DATED = ("movements", "stock_ledger")


def _utc_day_of_posted_at() -> str:
    if op.get_bind().dialect.name == "postgresql":
        return "(posted_at AT TIME ZONE 'UTC')::date"
    # SQLite keeps timestamps as naive UTC text, 'YYYY-MM-DD HH:MM:SS...'.
    return "substr(posted_at, 1, 10)"


def upgrade() -> None:
    day = _utc_day_of_posted_at()
    for table in DATED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("posting_date", sa.Date(), nullable=True))
        op.execute(f"UPDATE {table} SET posting_date = {day}")
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                "posting_date",
                existing_type=sa.Date(),
                nullable=False,
                server_default=sa.text("CURRENT_DATE"),
            )
            batch_op.create_index(f"ix_{table}_posting_date", ["posting_date"], unique=False)

    with op.batch_alter_table("reservations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "consumed",
                erp.platform.db.types.ScaledDecimal(precision=18, scale=4),
                nullable=False,
                server_default=sa.text("0"),
            )
        )

    op.create_table(
        "reservation_uses",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "reservation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "movement_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "quantity", erp.platform.db.types.ScaledDecimal(precision=18, scale=4), nullable=False
        ),
        sa.Column("used_at", erp.platform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["movement_id"], ["movements.id"]),
        sa.ForeignKeyConstraint(["reservation_id"], ["reservations.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("reservation_uses", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reservation_uses_reservation", ["reservation_id", "used_at"], unique=False
        )

    op.create_table(
        "closed_period",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("closed_through", sa.Date(), nullable=False),
        sa.Column("closed_at", erp.platform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.String(length=100), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_closed_period_single_row"),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("closed_period")
    with op.batch_alter_table("reservation_uses", schema=None) as batch_op:
        batch_op.drop_index("ix_reservation_uses_reservation")
    op.drop_table("reservation_uses")
    with op.batch_alter_table("reservations", schema=None) as batch_op:
        batch_op.drop_column("consumed")
    for table in reversed(DATED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_posting_date")
            batch_op.drop_column("posting_date")
