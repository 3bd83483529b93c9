"""Real HTTP backends for the proxy tests: an aiohttp app and a scripted raw server."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import httptools
from aiohttp import web


def pattern(size: int) -> bytes:
    """Deterministic, non-repeating-looking bytes of a given size."""
    block = hashlib.sha256(b"erp").digest() * 2048  # 64 KiB
    return (block * (size // len(block) + 1))[:size]


@dataclass
class EchoBackend:
    """aiohttp backend: /echo, /stream, /slow, /status; remembers hits and client ports."""

    url: str = ""
    port: int = 0
    hits: int = 0
    peers: set[int] = field(default_factory=set)
    runner: web.AppRunner | None = None

    async def start(self, port: int = 0) -> EchoBackend:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/stream", self.stream)
        app.router.add_route("*", "/slow", self.slow)
        app.router.add_route("*", "/{tail:.*}", self.echo)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{self.port}"
        return self

    def _count(self, request: web.Request) -> None:
        self.hits += 1
        assert request.transport is not None
        self.peers.add(request.transport.get_extra_info("peername")[1])

    async def echo(self, request: web.Request) -> web.Response:
        self._count(request)
        digest, size = hashlib.sha256(), 0
        async for chunk in request.content.iter_any():
            digest.update(chunk)
            size += len(chunk)
        doc = {
            "method": request.method,
            "target": request.path_qs,
            "headers": [[k.lower(), v] for k, v in request.headers.items()],
            "body_sha256": digest.hexdigest(),
            "body_size": size,
        }
        return web.Response(body=json.dumps(doc), content_type="application/json")

    async def stream(self, request: web.Request) -> web.StreamResponse:
        self._count(request)
        size = int(request.query.get("size", "0"))
        resp = web.StreamResponse()
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        data = pattern(size)
        for i in range(0, size, 50_000):
            await resp.write(data[i : i + 50_000])
        await resp.write_eof()
        return resp

    async def slow(self, request: web.Request) -> web.Response:
        self._count(request)
        await asyncio.sleep(float(request.query.get("delay", "1")))
        return web.Response(text="finally")

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


# A scripted reply: given (connection number, request number on it, method, target) return the
# raw response bytes, or None to close the connection without answering.
Script = Callable[[int, int, bytes, bytes], bytes | None]


class RawBackend:
    """A byte-level server for the cases a framework would not produce (stale connections...)."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.connections = 0
        self.requests = 0
        self.server: asyncio.Server | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> RawBackend:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        conn_no, req_no = self.connections, 0
        done: list[tuple[bytes, bytes]] = []

        class Sink:
            url = b""

            def on_url(self, url: bytes) -> None:
                self.url += url

            def on_message_complete(self) -> None:
                done.append((parser.get_method(), self.url))
                self.url = b""

        parser = httptools.HttpRequestParser(Sink())
        try:
            while data := await reader.read(65536):
                parser.feed_data(data)
                while done:
                    method, target = done.pop(0)
                    req_no += 1
                    self.requests += 1
                    reply = self.script(conn_no, req_no, method, target)
                    if reply is None:
                        return
                    writer.write(reply)
                    await writer.drain()
        finally:
            writer.close()

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()


def ok(body: bytes = b"ok", extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n%b\r\n%b" % (len(body), extra, body)
