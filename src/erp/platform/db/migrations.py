"""Alembic per service: own script directory, own version table, run programmatically.

`erp migrate SERVICE` (the Helm hook Job) and `erp up` call `upgrade`; `/readyz` calls
`schema_problem`. A service's `migrations/env.py` only calls `run_env`.

Expand/contract: a migration module may declare `serves_code_from = "<revision>"`, the oldest
code revision that still works on the schema it leaves (an added table or nullable column serves
the previous code; a dropped or renamed column serves only itself, the default). Each upgrade
records, in the same transaction, the code revisions the schema now serves in
`alembic_serves_<service>`; a pod of the previous release reads that table and stays ready, so
rolling updates, canaries and `helm rollback` keep serving after the next release's migration.
`erp migrate` refuses a migration that would stop the running code from serving unless asked
with `--allow-breaking` (see docs/deployment.md, "Schema changes in two releases").
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
from alembic.util.exc import CommandError
from sqlalchemy import Column, MetaData, String, Table, pool, select
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

    @property
    def serves_table(self) -> Table:
        return Table(
            f"alembic_serves_{self.service}",
            MetaData(),
            Column("revision", String(64), primary_key=True),
        )

    def scripts(self) -> ScriptDirectory:
        return ScriptDirectory.from_config(self.config("sqlite://"))

    def head(self) -> str | None:
        return self.scripts().get_current_head()


def served_code(scripts: ScriptDirectory, revision: str) -> list[str]:
    """The code revisions that work on the schema at `revision`: itself, then back through
    its ancestors down to the one its migration declares as `serves_code_from`."""
    script = scripts.get_revision(revision)
    oldest = getattr(script.module, "serves_code_from", None) or revision
    served: list[str] = []
    for step in scripts.iterate_revisions(revision, "base"):
        served.append(step.revision)
        if step.revision == oldest:
            return served
    raise ValueError(f"{revision}: serves_code_from={oldest!r} is not one of its ancestors")


def knows(scripts: ScriptDirectory, revision: str) -> bool:
    """Whether this code has the migration `revision` (a later release's is unknown to it)."""
    try:
        return bool(scripts.get_revisions(revision))
    except CommandError:
        return False


def breaking_steps(scripts: ScriptDirectory, current: str | None, target: str) -> list[str]:
    """The revisions between `current` and `target` after which code at `current` stops
    serving. An empty database has no running code to break."""
    if current is None or current == target:
        return []
    steps = [s.revision for s in scripts.iterate_revisions(target, current)]
    return [step for step in reversed(steps) if current not in served_code(scripts, step)]


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


@dataclass(frozen=True)
class DatabaseState:
    """Where a database stands: its revision (None when never migrated) and the code
    revisions its schema serves."""

    revision: str | None
    served: frozenset[str]


async def _served(migrations: MigrationSet, conn: Any) -> frozenset[str]:
    table = migrations.serves_table

    def _read(sync_conn: Connection) -> frozenset[str]:
        if not sync_conn.dialect.has_table(sync_conn, table.name):
            return frozenset()
        return frozenset(sync_conn.execute(select(table.c.revision)).scalars())

    result: frozenset[str] = await conn.run_sync(_read)
    return result


def database_state(migrations: MigrationSet, url: str) -> DatabaseState:
    """Read a database's revision and served code revisions (a short-lived connection)."""

    async def _read() -> DatabaseState:
        spec = asyncpg_connect_args(url)
        engine = create_async_engine(
            spec.url, connect_args=spec.connect_args, poolclass=pool.NullPool
        )
        try:
            async with engine.connect() as conn:
                revision = await current_revision(migrations, conn)
                return DatabaseState(revision, await _served(migrations, conn))
        finally:
            await engine.dispose()

    return asyncio.run(_read())


async def schema_problem(migrations: MigrationSet, conn: Any, head: str | None) -> str | None:
    """Why code at `head` cannot serve this database, or None when it can."""
    current = await current_revision(migrations, conn)
    if current == head:
        return None
    if head in await _served(migrations, conn):
        return None  # a later schema that declares itself compatible with this code
    return (
        f"database at revision {current}, code expects {head} (or a later revision that "
        f"serves it); run `erp migrate {migrations.service}` with this release's image"
    )


def _record_served(
    connection: Connection, migrations: MigrationSet, scripts: ScriptDirectory
) -> None:
    # Same transaction as the migrations: no reader sees a schema with the wrong list.
    current = MigrationContext.configure(
        connection, opts={"version_table": migrations.version_table}
    ).get_current_revision()
    table = migrations.serves_table
    table.create(connection, checkfirst=True)
    connection.execute(table.delete())
    if current is not None:
        served = served_code(scripts, current)
        connection.execute(table.insert(), [{"revision": r} for r in served])


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
            _record_served(connection, migrations, ScriptDirectory.from_config(config))

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
