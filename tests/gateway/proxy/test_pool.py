"""The upstream pool hands out only connections that are still open."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

import pytest

from erp.gateway.proxy.breaker import CircuitBreaker
from erp.gateway.proxy.pool import UpstreamPool
from erp.gateway.proxy.routing import Upstream

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextmanager
def serving(handle: Handler) -> Iterator[int]:
    """A server on its own thread and loop, calling `handle` for each connection; its port."""
    ready = threading.Event()
    port = 0
    loop = asyncio.new_event_loop()
    stop = loop.create_future()

    async def serve() -> None:
        nonlocal port
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        ready.set()
        async with server:
            await stop

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    assert ready.wait(5)
    yield port
    loop.call_soon_threadsafe(stop.set_result, None)
    thread.join(5)


@pytest.fixture
def hangs_up_at_once() -> Iterator[int]:
    """Closes every connection as it accepts it, as a balancer does when its endpoint is gone:
    the close races the client's next step."""

    async def hang_up(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    with serving(hang_up) as port:
        yield port


@pytest.fixture
def keeps_open() -> Iterator[int]:
    """Keeps every connection open until the client closes it."""

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()
        writer.close()

    with serving(hold) as port:
        yield port


async def test_a_connection_closed_before_acquire_resumes_is_not_handed_out(
    hangs_up_at_once: int,
) -> None:
    loop = asyncio.get_running_loop()
    pool = UpstreamPool(
        Upstream("hangs-up", "127.0.0.1", hangs_up_at_once),
        max_connections=4,
        connect_timeout=2.0,
        breaker=CircuitBreaker(failures=1000, cooldown=1.0),
        loop=loop,
    )
    handed_out_dead = 0
    for _ in range(300):
        try:
            conn = await pool.acquire(fresh=True)
        except ConnectionResetError:
            continue
        # What the caller does next: write the request, which is lost if the connection is
        # already closed (no further callback would ever fail the request).
        handed_out_dead += not conn.alive
        conn.close()
        await asyncio.sleep(0)
    assert handed_out_dead == 0


async def test_a_connection_past_its_age_is_closed_not_reused(keeps_open: int) -> None:
    """After a blue-green switch the Service routes new connections to the new slot: a
    connection is reused only until its maximum age, so traffic follows within that time."""
    pool = UpstreamPool(
        Upstream("keeps-open", "127.0.0.1", keeps_open),
        max_connections=4,
        connect_timeout=2.0,
        max_age=0.3,
        breaker=CircuitBreaker(failures=1000, cooldown=1.0),
        loop=asyncio.get_running_loop(),
    )
    young = await pool.acquire()
    pool.release(young, reusable=True)
    assert await pool.acquire() is young  # reused while young
    await asyncio.sleep(0.4)
    pool.release(young, reusable=True)
    assert not young.alive
    fresh = await pool.acquire()
    assert fresh is not young and not fresh.reused
    fresh.close()
