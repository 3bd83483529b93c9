"""Fixtures every test package may use: real PostgreSQL and Redis, fresh databases."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.databases import PostgresFactory, SqliteFactory
from tests.support.services import PG_HOST, PG_PORT, REDIS_HOST, REDIS_PORT, require


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresFactory]:
    require("PostgreSQL", PG_HOST, PG_PORT)
    factory = PostgresFactory()
    yield factory
    asyncio.run(factory.drop_all())


@pytest.fixture(scope="session")
def sqlite_templates(tmp_path_factory: pytest.TempPathFactory) -> SqliteFactory:
    return SqliteFactory(tmp_path_factory.mktemp("sqlite-templates"))


@pytest.fixture(scope="session")
def redis_url() -> str:
    require("Redis", REDIS_HOST, REDIS_PORT)
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/0"


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    """Run a test on both databases where behaviour must match."""
    return str(request.param)


@pytest.fixture
def database_for(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path, sqlite_templates: SqliteFactory
):  # type: ignore[no-untyped-def]
    """`await database_for(spec)` → URL of a fresh, migrated database on `backend`."""

    async def make(spec):  # type: ignore[no-untyped-def]
        if backend == "sqlite":
            return sqlite_templates.fresh(spec, tmp_path)
        factory: PostgresFactory = request.getfixturevalue("postgres")
        return await factory.fresh(spec)

    return make
