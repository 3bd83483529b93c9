"""Each response leaves the server in one write; streaming and closing still behave."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from erp.platform.http_protocol import CoalescingHttpToolsProtocol, CoalescingTransport

STREAM_PAUSE = 0.3


async def _json(request: Request) -> Response:
    return JSONResponse({"sku": "A-1", "qty": "3"})


async def _stream(request: Request) -> Response:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"first;"
        await asyncio.sleep(STREAM_PAUSE)
        yield b"second;"

    return StreamingResponse(chunks(), media_type="text/plain")


async def _closing(request: Request) -> Response:
    return Response(b"bye", headers={"connection": "close"})


APP = Starlette(
    routes=[Route("/json", _json), Route("/stream", _stream), Route("/close", _closing)]
)


class _WriteLog:
    """The real transport, with every write that reaches it recorded."""

    def __init__(self, transport: asyncio.Transport, log: list[bytes]) -> None:
        self._transport, self._log = transport, log

    def write(self, data: bytes) -> None:
        self._log.append(bytes(data))
        self._transport.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


def _logging(base: type[HttpToolsProtocol], log: list[bytes]) -> type[HttpToolsProtocol]:
    class Logged(base):  # type: ignore[valid-type,misc]
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(_WriteLog(transport, log))

    return Logged


@asynccontextmanager
async def _server(protocol: type[HttpToolsProtocol]) -> AsyncIterator[int]:
    config = uvicorn.Config(APP, host="127.0.0.1", port=0, http=protocol, log_config=None,
                            lifespan="off")  # fmt: skip
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(500):  # uvicorn offers a flag, not an event
        if server.started:
            break
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield port
    finally:
        server.should_exit = True
        await task


async def _exchange(port: int, request: bytes, until: Callable[[bytes], bool]) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    got = b""
    while not until(got):
        chunk = await asyncio.wait_for(reader.read(65536), 5)
        if not chunk:
            break
        got += chunk
    writer.close()
    return got


def _two_json_answers(got: bytes) -> bool:
    return got.count(b'"qty":"3"') == 2


TWO_GETS = b"GET /json HTTP/1.1\r\nHost: t\r\n\r\n" * 2


async def test_head_and_body_leave_in_one_write() -> None:
    log: list[bytes] = []
    async with _server(_logging(CoalescingHttpToolsProtocol, log)) as port:
        got = await _exchange(port, TWO_GETS, _two_json_answers)
    assert got.count(b"HTTP/1.1 200 OK") == 2
    assert len(log) == 2, log  # one write per response
    for write in log:
        assert write.startswith(b"HTTP/1.1 200 OK") and write.endswith(b'"qty":"3"}')


async def test_plain_uvicorn_writes_head_and_body_apart() -> None:
    """The behaviour the coalescing protocol removes (so the test above can fail)."""
    log: list[bytes] = []
    async with _server(_logging(HttpToolsProtocol, log)) as port:
        await _exchange(port, TWO_GETS, _two_json_answers)
    assert len(log) == 4


async def test_streamed_chunks_are_not_held_back() -> None:
    async with _server(CoalescingHttpToolsProtocol) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /stream HTTP/1.1\r\nHost: t\r\n\r\n")
        got = b""
        while b"first;" not in got:
            got += await asyncio.wait_for(reader.read(65536), 5)
        # The first chunk arrived while the second is still being produced.
        assert b"second;" not in got
        while not got.endswith(b"0\r\n\r\n"):
            got += await asyncio.wait_for(reader.read(65536), 5)
        writer.close()
    assert got.index(b"first;") < got.index(b"second;")


async def test_a_closing_response_is_flushed_before_the_close() -> None:
    async with _server(CoalescingHttpToolsProtocol) as port:
        got = await _exchange(port, b"GET /close HTTP/1.1\r\nHost: t\r\n\r\n", lambda _: False)
    assert got.startswith(b"HTTP/1.1 200 OK") and got.endswith(b"\r\n\r\nbye")


async def test_buffer_size_counts_held_bytes() -> None:
    loop = asyncio.get_running_loop()
    left, right = socket.socketpair()
    transport, _ = await loop.connect_accepted_socket(asyncio.Protocol, left)
    try:
        coalescing = CoalescingTransport(transport, loop)  # type: ignore[arg-type]
        coalescing.write(b"12345")
        assert coalescing.get_write_buffer_size() == 5
        await asyncio.sleep(0)  # the end of the turn sends it
        await asyncio.sleep(0)
        right.setblocking(False)
        assert await loop.sock_recv(right, 16) == b"12345"
    finally:
        transport.close()
        right.close()
