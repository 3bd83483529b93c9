"""supplier returns

Revision ID: 20261207_0004
Revises: 20261207_0003
Create Date: 2026-12-07 18:00:00.000000

`movements.returns`: a supplier return (a receipt movement with negated lines at the receipt's
own unit costs) names the receipt it sends goods back from. `reverses` stays unique (a movement
is reversed once); a receipt may be returned in several parts, so returns need their own link.

An expand step: a nullable column and its index, which the previous release never names.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_0004"
down_revision: str | None = "20261207_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# The previous release's head: every step since it is expand-only, so a rollback to that
# release's code serves this schema.
serves_code_from: str | None = "20261201_0002"

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("movements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("returns", ID, nullable=True))
        batch_op.create_index("ix_movements_returns", ["returns"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("movements", schema=None) as batch_op:
        batch_op.drop_index("ix_movements_returns")
        batch_op.drop_column("returns")
