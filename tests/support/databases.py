"""Fresh databases per test: a migrated SQLite file, or a PostgreSQL clone of a migrated
template (CREATE DATABASE ... TEMPLATE is far faster than migrating each time)."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]

from erp.platform.db.migrations import upgrade
from erp.platform.service import ServiceSpec
from tests.support.services import PG_HOST, PG_PORT

ADMIN_DSN = f"postgresql://postgres@{PG_HOST}:{PG_PORT}/postgres"


def pg_url(name: str) -> str:
    return f"postgresql+asyncpg://postgres@{PG_HOST}:{PG_PORT}/{name}"


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(ADMIN_DSN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


class PostgresFactory:
    """One migrated template per service per test run; a clone per test."""

    def __init__(self) -> None:
        self.run_id = uuid.uuid4().hex[:8]
        self.templates: dict[str, str] = {}
        self.created: list[str] = []

    async def template(self, spec: ServiceSpec) -> str:
        if spec.name not in self.templates:
            name = f"erp_t{self.run_id}_{spec.name}_tpl"
            await _admin(f'CREATE DATABASE "{name}"')
            self.created.append(name)
            import asyncio

            await asyncio.to_thread(upgrade, spec.migrations, pg_url(name))
            self.templates[spec.name] = name
        return self.templates[spec.name]

    async def fresh(self, spec: ServiceSpec) -> str:
        template = await self.template(spec)
        name = f"erp_t{self.run_id}_{spec.name}_{uuid.uuid4().hex[:8]}"
        await _admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        self.created.append(name)
        return pg_url(name)

    async def drop_all(self) -> None:
        for name in reversed(self.created):
            await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created.clear()


class SqliteFactory:
    """A migrated SQLite file per service, copied for each test."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.templates: dict[str, Path] = {}

    def fresh(self, spec: ServiceSpec, directory: Path) -> str:
        if spec.name not in self.templates:
            path = self.root / f"{spec.name}-template.db"
            upgrade(spec.migrations, f"sqlite+aiosqlite:///{path}")
            self.templates[spec.name] = path
        target = directory / f"{spec.name}.db"
        shutil.copyfile(self.templates[spec.name], target)
        return f"sqlite+aiosqlite:///{target}"
