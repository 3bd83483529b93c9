"""Finance fixtures: a clean database per test on SQLite and on PostgreSQL, and the services
running in-process with their lifespans entered."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from erp.finance.main import SPEC as FINANCE
from erp.inventory.main import SPEC as INVENTORY
from erp.platform.app import create_app
from erp.platform.db.migrations import upgrade
from erp.platform.service import ServiceSpec
from erp.platform.settings import load_settings
from erp.reporting.main import SPEC as REPORTING
from tests.finance.support import SECRET, Service, add_customers, link

ERP = str(Path(sys.executable).parent / "erp")
PG_SERVER = os.environ.get("ERP_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
IN_CI = os.environ.get("CI", "").lower() == "true"


async def _pg(sql: str) -> None:
    conn = await asyncpg.connect(f"{PG_SERVER}/postgres", timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _pg_reachable() -> str | None:
    try:
        asyncio.run(_pg("SELECT 1"))
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        return f"{type(error).__name__}: {error}"
    return None


class Databases:
    """Migrated template databases made once per run; each test gets a copy."""

    def __init__(self, root: Path) -> None:
        self.run = f"erp_fin_{uuid.uuid4().hex[:10]}"
        self.root = root
        self.templates: dict[tuple[str, str], str] = {}
        self.created: list[str] = []

    def _template(self, backend: str, spec: ServiceSpec) -> str:
        key = (backend, spec.name)
        if key not in self.templates:
            if backend == "sqlite":
                path = self.root / f"template_{spec.name}.db"
                upgrade(spec.migrations, f"sqlite+aiosqlite:///{path}")
                self.templates[key] = str(path)
            else:
                name = f"{self.run}_{spec.name}"
                asyncio.run(_pg(f'CREATE DATABASE "{name}"'))
                self.created.append(name)
                upgrade(spec.migrations, f"postgresql+asyncpg://{PG_SERVER.split('://')[1]}/{name}")
                self.templates[key] = name
        return self.templates[key]

    def fresh(self, backend: str, spec: ServiceSpec) -> str:
        template = self._template(backend, spec)
        suffix = uuid.uuid4().hex[:8]
        if backend == "sqlite":
            path = self.root / f"{spec.name}_{suffix}.db"
            shutil.copy(template, path)
            return f"sqlite+aiosqlite:///{path}"
        name = f"{self.run}_{spec.name}_{suffix}"
        asyncio.run(_pg(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        self.created.append(name)
        return f"postgresql+asyncpg://{PG_SERVER.split('://')[1]}/{name}"

    def drop_all(self) -> None:
        for name in reversed(self.created):
            asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    dbs = Databases(tmp_path_factory.mktemp("finance-dbs"))
    yield dbs
    dbs.drop_all()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql":
        reason = _pg_reachable()
        if reason and IN_CI:
            pytest.fail(f"PostgreSQL is required when CI=true: {reason}")
        if reason:
            pytest.skip(f"PostgreSQL not reachable at {PG_SERVER}: {reason}")
    return str(request.param)


async def _start(spec: ServiceSpec, url: str, data_dir: Path, **settings: object) -> Service:
    config = load_settings(
        spec.settings_cls, database_url=url, jwt_secret=SECRET, data_dir=data_dir, **settings
    )
    app = create_app(spec, config)
    # `pump` hands events between the services of a test; no relay delivers in the
    # background, so every step sees a settled state.
    app.state.runtime.extras["events"].relay = None
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=f"http://{spec.name}")
    return Service(spec, app, client)


@pytest.fixture
def finance_url(backend: str, databases: Databases) -> str:
    return databases.fresh(backend, FINANCE)


@pytest.fixture
def inventory_url(backend: str, databases: Databases) -> str:
    return databases.fresh(backend, INVENTORY)


# The customers the tests invoice, on their default terms (net 30, no credit limit).
CUSTOMERS = ("ACME", "BETA", "C1")


@pytest.fixture
async def finance(finance_url: str, tmp_path: Path) -> AsyncIterator[Service]:
    service = await _start(FINANCE, finance_url, tmp_path)
    async with service.app.router.lifespan_context(service.app), service.client:
        await add_customers(service, *CUSTOMERS)
        yield service


@pytest.fixture
async def inventory(inventory_url: str, tmp_path: Path) -> AsyncIterator[Service]:
    service = await _start(INVENTORY, inventory_url, tmp_path)
    async with service.app.router.lifespan_context(service.app), service.client:
        yield service


@pytest.fixture
def reporting_url(backend: str, databases: Databases) -> str:
    return databases.fresh(backend, REPORTING)  # outside the event loop: it makes templates


@pytest.fixture
async def reporting(reporting_url: str, tmp_path: Path) -> AsyncIterator[Service]:
    """Reporting beside finance and inventory, for checks that the two agree."""
    data_dir = tmp_path / "reporting"
    data_dir.mkdir()
    service = await _start(REPORTING, reporting_url, data_dir)
    async with service.app.router.lifespan_context(service.app), service.client:
        yield service


@pytest.fixture(autouse=True)
def _finance_asks_inventory(request: pytest.FixtureRequest) -> None:
    """A test running both services has finance check invoice lines against its inventory."""
    if {"finance", "inventory"} <= set(request.fixturenames):
        link(request.getfixturevalue("finance"), request.getfixturevalue("inventory"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def erp_env(**values: str) -> dict[str, str]:
    """The environment of an `erp` process of these tests: only the ERP_ variables given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ERP_")}
    env.update(
        ERP_JWT_SECRET=SECRET, ERP_LOG_LEVEL="WARNING", ERP_SHUTDOWN_DELAY_SECONDS="0", **values
    )
    return env


@pytest.fixture
def inventory_server(inventory_url: str, tmp_path: Path) -> Iterator[str]:
    """`erp serve inventory` on the `inventory` fixture's database; its address."""
    port = free_port()
    env = erp_env(
        ERP_DATABASE_URL=inventory_url, ERP_PORT=str(port), ERP_HOST="127.0.0.1",
        ERP_DATA_DIR=str(tmp_path),
    )  # fmt: skip
    process = subprocess.Popen(
        [ERP, "serve", "inventory"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"inventory did not start: {process.stderr.read()!r}")  # type: ignore[union-attr]
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
