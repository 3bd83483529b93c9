"""Wake the relay right after a commit that wrote to the outbox.

In this process: `enqueue` flags the pooled connection; when the connection goes back to the
pool (after the commit, never before it) the flag is seen and the relay woken. Across
replicas on PostgreSQL: `enqueue` issues NOTIFY, delivered at commit, and every relay LISTENs.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import asyncpg
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from erp.platform.db.url import asyncpg_connect_args
from erp.platform.logging import get_logger

NOTIFY_CHANNEL = "erp_outbox"
_PENDING = "erp.outbox.pending"
log = get_logger(__name__)


def mark_pending(conn: AsyncConnection) -> None:
    """Note on the pooled connection that this transaction wrote outbox rows."""
    conn.info[_PENDING] = True


def on_outbox_commit(engine: AsyncEngine, wake: Callable[[], None]) -> Callable[[], None]:
    """Call `wake` whenever a connection that wrote outbox rows returns to the pool.
    Returns a function that removes the listener."""

    def checkin(_dbapi_connection: Any, record: Any) -> None:
        if record is not None and record.info.pop(_PENDING, False):
            wake()

    event.listen(engine.sync_engine, "checkin", checkin)
    return lambda: event.remove(engine.sync_engine, "checkin", checkin)


class PgListener:
    """LISTEN on the outbox channel with a dedicated asyncpg connection; reconnects quietly
    (the relay's sweep covers the gap)."""

    def __init__(self, url: str, wake: Callable[[], None], *, retry_seconds: float = 5.0):
        spec = asyncpg_connect_args(url)
        self._dsn = spec.url.set(drivername="postgresql").render_as_string(False)
        self._connect_args = spec.connect_args
        self._wake = wake
        self._retry = retry_seconds
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-listen")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            conn = None
            try:
                conn = await asyncpg.connect(self._dsn, **self._connect_args)
                lost = asyncio.Event()
                conn.add_termination_listener(lambda _c, lost=lost: lost.set())
                await conn.add_listener(NOTIFY_CHANNEL, lambda *_: self._wake())
                self._wake()  # anything committed while we were not listening
                await lost.wait()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("outbox_listen_failed", error=str(error))
            finally:
                if conn is not None:
                    with contextlib.suppress(Exception):
                        await asyncio.shield(conn.close(timeout=1))
            await asyncio.sleep(self._retry)
