"""The sample service's tables."""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    from tests.platform.events.sample import metadata

    metadata.create_all(op.get_bind())


def downgrade() -> None:
    from tests.platform.events.sample import metadata

    metadata.drop_all(op.get_bind())
