"""due days: when each sales invoice is to be paid

Revision ID: 20261207_0006
Revises: 20261207_0005
Create Date: 2026-12-07 18:00:00.000000

`sales_invoices.due_day`, from the `due_date` finance's invoice events now carry; the AR aging
counts days past it. Null for invoices whose events carried none: they are due on their day.
`erp reporting rebuild` fills it for invoices already kept.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_0006"
down_revision: str | None = "20261207_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# Expand: a nullable column the previous code never names.
serves_code_from: str | None = "20261207_0005"


def upgrade() -> None:
    with op.batch_alter_table("sales_invoices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_day", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sales_invoices", schema=None) as batch_op:
        batch_op.drop_column("due_day")
