"""year-end closing entries, reopens of closed periods, retained earnings a system account

Revision ID: 20261207_0004
Revises: 20261207_0003
Create Date: 2026-12-07 15:00:00.000000

Expand only: a journal entry may come from a `year-end` close; reopens of closed periods are
kept with their reason in `period_reopens`; retained earnings (3200, which the standard chart
already holds) becomes a system account, since year-end closes post to it. The previous code
never writes the new source nor the new table, so it serves on this schema.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import erp.platform.db.types

revision: str = "20261207_0004"
down_revision: str | None = "20261207_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
serves_code_from: str | None = "20261207_0003"  # a new table, a wider check, a flag on a row

SOURCES = "'manual','invoice','payment','stock'"
WITH_YEAR_END = "'manual','invoice','payment','stock','year-end'"
RETAINED_EARNINGS = "3200"

accounts = sa.table("accounts", sa.column("code", sa.String), sa.column("system", sa.Boolean))


def _source_check(sources: str) -> None:
    with op.batch_alter_table("journal_entries", schema=None) as batch_op:
        batch_op.drop_constraint("ck_journal_entries_source", type_="check")
        batch_op.create_check_constraint(
            "ck_journal_entries_source", sa.text(f"source IN ({sources})")
        )


def upgrade() -> None:
    _source_check(WITH_YEAR_END)
    op.create_table(
        "period_reopens",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("close_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("reopened_from", sa.Date(), nullable=False),
        sa.Column("closed_through", sa.Date(), nullable=False),
        sa.Column("reopened_at", erp.platform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reopened_by", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(["close_id"], ["period_closes.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("close_id"),
    )
    op.execute(accounts.update().where(accounts.c.code == RETAINED_EARNINGS).values(system=True))


def downgrade() -> None:
    op.execute(accounts.update().where(accounts.c.code == RETAINED_EARNINGS).values(system=False))
    op.drop_table("period_reopens")
    _source_check(SOURCES)
