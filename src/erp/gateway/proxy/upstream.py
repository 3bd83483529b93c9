"""One persistent connection to an upstream; its response bytes are passed through unparsed.

The httptools parser only finds where each response ends (Content-Length or chunked); the
head is collected once to strip hop-by-hop fields and add the proxy's own headers.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, cast

import httptools

if TYPE_CHECKING:
    from erp.gateway.proxy.exchange import Exchange
    from erp.gateway.proxy.pool import UpstreamPool

MAX_RESPONSE_HEAD = 64 * 1024


class UpstreamConnection(asyncio.Protocol):
    """Carries one exchange at a time; goes back to its pool when the response is complete."""

    def __init__(self, pool: UpstreamPool) -> None:
        self.pool = pool
        self.loop = pool.loop
        self.transport: asyncio.Transport | None = None
        self.exchange: Exchange | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.alive = True
        self.reused = False
        self.opened = pool.loop.time()
        self.last_io = 0.0
        self.status = 0
        self.done = False
        self.head_only = False
        self.in_head = True
        self.head_buf = b""
        self.got_bytes = False
        self._keep = True

    # -- lifecycle -------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def connection_lost(self, exc: Exception | None) -> None:
        self.alive = False
        self.pool.forget(self)
        ex = self.exchange
        if ex is not None:
            self.exchange = None
            ex.upstream_failed(self, "the upstream closed the connection")

    def bind(self, exchange: Exchange, *, head_only: bool) -> None:
        """Start carrying `exchange`; `head_only` for HEAD requests (no body follows)."""
        self.exchange = exchange
        self.status = 0
        self.done = False
        self.in_head = True
        self.head_buf = b""
        self.got_bytes = False
        self.head_only = head_only
        self.last_io = self.loop.time()

    def close(self) -> None:
        self.alive = False
        if self.transport is not None:
            self.transport.close()

    # -- flow control: the client is slower than the upstream -------------------------------
    def pause_writing(self) -> None:
        if self.exchange is not None:
            self.exchange.client.block_reading("upstream")

    def resume_writing(self) -> None:
        if self.exchange is not None:
            self.exchange.client.unblock_reading("upstream")

    # -- httptools callbacks -----------------------------------------------------------------
    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()

    def on_message_complete(self) -> None:
        if not 100 <= self.status < 200:
            self.done = True
            # Read it here: once feed_data returns, the parser has moved on to the next message.
            self._keep = self.parser.should_keep_alive()

    # -- response bytes ----------------------------------------------------------------------
    def data_received(self, data: bytes) -> None:
        ex = self.exchange
        if ex is None:
            self.close()  # nothing was asked: the connection is out of step
            return
        self.got_bytes = True
        self.last_io = self.loop.time()
        if not self.head_only:
            try:
                self.parser.feed_data(data)
            except httptools.HttpParserError:
                self.exchange = None
                self.close()
                ex.upstream_failed(self, "the upstream sent a malformed response", broken=True)
                return
        if self.in_head:
            data = self._collect_head(ex, data)
            if self.in_head:
                return
        elif data:
            ex.response_body(data)
        if self.done:
            self.exchange = None
            ex.response_complete(self, self._keep and self.alive)

    def _collect_head(self, ex: Exchange, data: bytes) -> bytes:
        buf = self.head_buf + data if self.head_buf else data
        while True:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                if len(buf) > MAX_RESPONSE_HEAD:
                    self.exchange = None
                    self.close()
                    ex.upstream_failed(self, "the upstream response head is too large", broken=True)
                self.head_buf = buf
                return b""
            head, buf = buf[: end + 4], buf[end + 4 :]
            if head[9:10] == b"1" and head[9:12] != b"101":
                ex.response_informational(head)  # 100 Continue and friends pass as they are
                continue
            self.in_head = False
            self.head_buf = b""
            if self.head_only:
                self.status = int(head[9:12])
                self.parser = httptools.HttpResponseParser(self)
                self.done = True
                self._keep = not buf and b"\r\nconnection: close" not in head.lower()
            # Head and whatever body came with it leave in one write.
            ex.response_head(head, self.status or int(head[9:12]), buf)
            return buf
