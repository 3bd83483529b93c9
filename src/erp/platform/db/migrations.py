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

import ast
import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, MetaData, String, Table, pool, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from erp.platform.db.url import asyncpg_connect_args

if TYPE_CHECKING:
    # Alembic (with Mako and Pygments) costs a serving process ~150 ms and ~10 MB: it is
    # imported only by what migrates or walks the scripts, never by `erp serve`.
    from alembic.config import Config
    from alembic.script import ScriptDirectory


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
        from alembic.config import Config

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
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(self.config("sqlite://"))

    def head(self) -> str | None:
        """The newest revision of this code's scripts (what readiness compares the database
        with), read from the scripts' source; Alembic is asked only when they are unusual."""
        found = _head_from_source(self.script_location)
        if found is not None:
            return found
        return self.scripts().get_current_head()


# Alembic's own rule for which files in versions/ are scripts (alembic.script.base).
_SCRIPT_FILE = re.compile(r"(?!\.\#|__init__)(.*\.py)$")


def _head_from_source(script_location: str) -> str | None:
    """The single head of the linear history in `<package>:<dir>/versions`, from each script's
    literal `revision` and `down_revision`, without importing the scripts (each imports
    Alembic). None when this reading cannot be sure (branches, merges, dependencies, a
    computed value, no scripts): the caller then asks Alembic."""
    # Alembic's own reading of script_location: `package:dir`, or a plain directory.
    if ":" in script_location and not Path(script_location).is_absolute():
        package, _, directory = script_location.partition(":")
        versions = Path(str(files(package).joinpath(directory, "versions")))
    else:
        versions = Path(script_location, "versions")
    if not versions.is_dir():
        return None
    revisions: dict[str, str | None] = {}
    for path in sorted(versions.iterdir()):
        if not path.is_file() or not _SCRIPT_FILE.match(path.name):
            continue
        values: dict[str, Any] = {}
        try:
            body = ast.parse(path.read_bytes(), str(path)).body
        except (SyntaxError, ValueError):
            return None  # Alembic says what is wrong with it
        for node in body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            else:
                continue
            if isinstance(target, ast.Name):
                try:
                    values[target.id] = ast.literal_eval(value)
                except (ValueError, TypeError, SyntaxError, RecursionError):
                    values[target.id] = ...  # computed: not for this reading
        revision, down = values.get("revision"), values.get("down_revision")
        if (
            not isinstance(revision, str)
            or not (down is None or isinstance(down, str))
            or values.get("branch_labels") is not None
            or values.get("depends_on") is not None
            or revision in revisions
        ):
            return None
        revisions[revision] = down
    heads = set(revisions) - set(revisions.values())
    if len(heads) != 1:
        return None
    head = heads.pop()
    step: str | None = head
    chain = 0
    while step is not None and step in revisions and chain <= len(revisions):
        step, chain = revisions[step], chain + 1
    # One unbroken line from the head down to a base through every script.
    return head if step is None and chain == len(revisions) else None


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
    from alembic.util.exc import CommandError

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
    from alembic import command

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        command.upgrade(migrations.config(url), revision)
        return
    # Called from async code: Alembic's env runs its own event loop, so give it a thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(command.upgrade, migrations.config(url), revision).result()


async def current_revision(migrations: MigrationSet, conn: Any) -> str | None:
    """The database's revision, read as Alembic's MigrationContext.get_current_revision reads
    it (no version table: None; more than one row: an error), without importing Alembic."""
    table = Table(
        migrations.version_table, MetaData(), Column("version_num", String(32), nullable=False)
    )

    def _read(sync_conn: Connection) -> str | None:
        if not sync_conn.dialect.has_table(sync_conn, table.name):
            return None
        heads = list(sync_conn.execute(select(table.c.version_num)).scalars())
        if len(heads) > 1:
            raise RuntimeError(
                f"version table {table.name} has more than one head present: {heads}"
            )
        return heads[0] if heads else None

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
    from alembic.runtime.migration import MigrationContext

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
    from alembic.script import ScriptDirectory

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
