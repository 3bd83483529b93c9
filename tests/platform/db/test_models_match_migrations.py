"""Every service's tables as its models declare them are the tables its migrations create.

Models and migrations are written separately; a model edit that changed the schema without a
migration would only show in production. Alembic's autogenerate comparison (the same options
the services' env.py uses) must find nothing to do, on both databases.
"""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from erp import registry
from erp.platform.db import Database
from erp.platform.db.migrations import MigrationSet


def _not_bookkeeping(name: str | None, type_: str, _parents: Any) -> bool:
    """The migrations' own tables (`alembic_version_<service>` and the like) are no model's."""
    return not (type_ == "table" and (name or "").startswith("alembic_"))


def _differences(sync_conn: Connection, migrations: MigrationSet) -> list[Any]:
    context = MigrationContext.configure(
        sync_conn,
        opts={
            "version_table": migrations.version_table,
            "compare_type": True,
            "include_name": _not_bookkeeping,
        },
    )
    return list(compare_metadata(context, migrations.metadata))


@pytest.mark.parametrize("service", registry.names())
async def test_migrations_create_what_the_models_declare(service: str, database_for: Any) -> None:
    spec = registry.load(service)
    db = Database(await database_for(spec))
    try:
        async with db.engine.connect() as conn:
            differences = await conn.run_sync(_differences, spec.migrations)
    finally:
        await db.dispose()
    assert differences == []
