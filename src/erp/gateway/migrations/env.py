from alembic import context

from erp.platform.db.migrations import run_env

run_env(context)
