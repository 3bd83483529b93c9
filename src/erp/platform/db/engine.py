"""One async SQLAlchemy engine per service, chosen by URL (asyncpg or aiosqlite).

Writes go through `Database.transaction()`. On SQLite (the embedded default) writes are
serialised by one asyncio lock plus `BEGIN IMMEDIATE`; on PostgreSQL row locks do the work and
transient deadlock or serialization failures are retried by `Database.run()`.
"""

from __future__ import annotations

import asyncio
import errno
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from erp.platform.db.url import asyncpg_connect_args

T = TypeVar("T")
Hook = Callable[[AsyncConnection], Awaitable[None]]
_BEFORE_COMMIT = "erp.before_commit"
_STATE = "erp.transaction_state"
_RETRYABLE_SQLSTATES = {"40001", "40P01"}  # serialization_failure, deadlock_detected
_MAX_ATTEMPTS = 5


def normalise_url(url: str | None, *, service: str, data_dir: Path) -> str:
    """Pick the async driver for a URL; no URL means a SQLite file under the data directory."""
    if not url:
        data_dir.mkdir(parents=True, exist_ok=True)
        path = (data_dir / f"{service}.db").resolve()
        # SQLite writes its journal beside the file, so the directory must be writable. Said
        # here, before any connection: the driver's worker thread of a failed connection can
        # outlive the event loop and print its own traceback next to the operator's line.
        if not os.access(data_dir, os.W_OK | os.X_OK):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return f"sqlite+aiosqlite:///{path}"
    for prefix in ("postgresql+asyncpg://", "sqlite+aiosqlite://"):
        if url.startswith(prefix):
            return url
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + url.split("://", 1)[1]
    raise ValueError(f"unsupported database URL scheme: {url.split('://', 1)[0]}")


def _sqlstate(error: DBAPIError) -> str | None:
    orig = error.orig
    return getattr(orig, "sqlstate", None) or getattr(
        getattr(orig, "__cause__", None), "sqlstate", None
    )


POOL_TIMEOUT_SECONDS = 30.0


def in_transaction(conn: AsyncConnection) -> bool:
    """Whether `conn` is inside `Database.transaction()`, which runs `before_commit` hooks."""
    return _BEFORE_COMMIT in conn.info


def transaction_state(conn: AsyncConnection) -> dict[str, Any]:
    """A dictionary that lives as long as this `Database.transaction()`."""
    state: dict[str, Any] = conn.info[_STATE]
    return state


def before_commit(conn: AsyncConnection, hook: Hook) -> None:
    """Run `hook(conn)` once, as the last statement(s) before this transaction commits (never
    when it rolls back). For writes that should hold their row locks as briefly as possible."""
    hooks: list[Hook] = conn.info[_BEFORE_COMMIT]
    if hook not in hooks:
        hooks.append(hook)


async def _run_hooks(conn: AsyncConnection) -> None:
    hooks: list[Hook] = conn.info[_BEFORE_COMMIT]
    while hooks:
        await hooks.pop(0)(conn)


class Database:
    """A service's database: engine, dialect facts and transaction helpers."""

    def __init__(self, url: str, *, pool_size: int = 10, max_overflow: int = 5) -> None:
        self.url = url
        self.is_sqlite = make_url(url).get_backend_name() == "sqlite"
        kwargs: dict[str, Any] = {}
        if not self.is_sqlite:
            kwargs.update(
                pool_size=pool_size,
                max_overflow=max_overflow,
                pool_recycle=1800,
                pool_pre_ping=False,
                pool_timeout=POOL_TIMEOUT_SECONDS,
            )
        spec = asyncpg_connect_args(url)
        self.engine: AsyncEngine = create_async_engine(
            spec.url, connect_args=spec.connect_args, **kwargs
        )
        self._write_lock = asyncio.Lock()
        # The pool lets a newcomer take a connection that was just handed back before the
        # longest waiter wakes, so under load some requests wait for seconds. Units of work
        # queue here first, first come first served, and the pool never has waiters.
        self._slots = asyncio.Semaphore(pool_size + max_overflow)
        if self.is_sqlite:
            self._tune_sqlite()

    def _tune_sqlite(self) -> None:
        sync_engine = self.engine.sync_engine

        @event.listens_for(sync_engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy, not the driver, decide where transactions begin.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(sync_engine, "begin")
        def _on_begin(conn: Any) -> None:
            mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
            conn.exec_driver_sql(f"BEGIN {mode}")

    @asynccontextmanager
    async def _slot(self) -> AsyncIterator[None]:
        async with asyncio.timeout(POOL_TIMEOUT_SECONDS):  # as the pool itself would give up
            await self._slots.acquire()
        try:
            yield
        finally:
            self._slots.release()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """One write transaction; commits on success, rolls back on any error."""
        if self.is_sqlite:
            async with self._write_lock, self.engine.connect() as conn:
                conn = await conn.execution_options(sqlite_begin="IMMEDIATE")
                async with conn.begin(), self._hooks(conn):
                    yield conn
        else:
            async with self._slot(), self.engine.begin() as conn, self._hooks(conn):
                yield conn

    @staticmethod
    @asynccontextmanager
    async def _hooks(conn: AsyncConnection) -> AsyncIterator[None]:
        """`before_commit` hooks run after the unit of work. They and the transaction's state
        live on the pooled connection, so they are cleared whatever happens."""
        conn.info[_BEFORE_COMMIT], conn.info[_STATE] = [], {}
        try:
            yield
            await _run_hooks(conn)
        finally:
            conn.info.pop(_BEFORE_COMMIT, None)
            conn.info.pop(_STATE, None)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A read-only unit of work: one consistent snapshot on SQLite; on PostgreSQL each
        statement reads committed data, which is all that read committed gives inside a
        transaction too, so it runs in autocommit and saves the BEGIN and COMMIT round trips."""
        if self.is_sqlite:
            async with self.engine.connect() as conn, conn.begin():
                yield conn
        else:
            async with self._slot(), self.engine.connect() as conn:
                yield await conn.execution_options(isolation_level="AUTOCOMMIT")

    async def run(self, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """Run `work` in a write transaction, retrying PostgreSQL deadlocks and serialization
        failures (never surfaced to the client)."""
        for attempt in range(1, _MAX_ATTEMPTS + 1):
            try:
                async with self.transaction() as conn:
                    return await work(conn)
            except DBAPIError as error:
                if _sqlstate(error) not in _RETRYABLE_SQLSTATES or attempt == _MAX_ATTEMPTS:
                    raise
                await asyncio.sleep(0.005 * attempt)
        raise AssertionError("unreachable")

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    def pool_status(self) -> tuple[int, int]:
        """(connections in use, pool size) for the metrics."""
        pool: Any = self.engine.pool
        if hasattr(pool, "checkedout") and hasattr(pool, "size"):
            return int(pool.checkedout()), int(pool.size())
        return 0, 0

    async def dispose(self) -> None:
        await self.engine.dispose()
