"""Alembic per service: own script directory, own version table, run programmatically.

`erp migrate SERVICE` (the Helm hook Job) and `erp up` call `upgrade`; `/readyz` calls
`is_at_head`. A service's `migrations/env.py` only calls `run_env`.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from erp.platform.db.url import asyncpg_connect_args


@dataclass(frozen=True)
class MigrationSet:
    """Where a service's migrations live and which version table they use."""

    service: str
    script_location: str  # "erp.inventory:migrations"
    metadata: MetaData

    @property
    def version_table(self) -> str:
        return f"alembic_version_{self.service}"

    def config(self, url: str) -> Config:
        cfg = Config()
        cfg.set_main_option("script_location", self.script_location)
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
        cfg.attributes["migration_set"] = self
        return cfg

    def head(self) -> str | None:
        return ScriptDirectory.from_config(self.config("sqlite://")).get_current_head()


def upgrade(migrations: MigrationSet, url: str, revision: str = "head") -> None:
    """Apply migrations up to `revision` (idempotent: at head it does nothing)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        command.upgrade(migrations.config(url), revision)
        return
    # Called from async code: Alembic's env runs its own event loop, so give it a thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(command.upgrade, migrations.config(url), revision).result()


async def current_revision(migrations: MigrationSet, conn: Any) -> str | None:
    def _read(sync_conn: Connection) -> str | None:
        ctx = MigrationContext.configure(
            sync_conn, opts={"version_table": migrations.version_table}
        )
        return ctx.get_current_revision()

    result: str | None = await conn.run_sync(_read)
    return result


def run_env(context: Any) -> None:
    """Body of every service's alembic env.py (online mode, async engine)."""
    config = context.config
    migrations: MigrationSet = config.attributes["migration_set"]
    url = config.get_main_option("sqlalchemy.url")

    def _configure_and_run(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=migrations.metadata,
            version_table=migrations.version_table,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def _run() -> None:
        spec = asyncpg_connect_args(url)
        engine = create_async_engine(
            spec.url, connect_args=spec.connect_args, poolclass=pool.NullPool
        )
        async with engine.connect() as connection:
            await connection.run_sync(_configure_and_run)
            await connection.commit()
        await engine.dispose()

    connection = config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection)
    else:
        asyncio.run(_run())
