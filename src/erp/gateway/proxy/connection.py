"""The client side: one asyncio Protocol per connection, parsed with httptools.

Requests are answered one at a time in order; pipelined requests wait in a queue (their
bodies buffered, reading paused). Header and body deadlines are checked by the proxy's
periodic sweep, not by per-request timers.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING, cast

import httptools

from erp.gateway.proxy.exchange import Exchange
from erp.gateway.proxy.forwarding import (
    DROPPED_REQUEST_HEADERS,
    connection_tokens,
    drop_named,
    request_id_or_new,
    traceparent_or_new,
)
from erp.gateway.proxy.problems import problem_response

if TYPE_CHECKING:
    from erp.gateway.proxy.core import ProxyCore

# Request headers the proxy reads (all others are only copied).
_READ = frozenset(
    {b"host", b"authorization", b"x-forwarded-for", b"x-request-id", b"traceparent",
     b"connection", b"transfer-encoding", b"content-length", b"origin",
     b"access-control-request-method"}
)  # fmt: skip


LINGER_SECONDS = 2.0


class HeadTooLargeError(Exception):
    pass


class UnsupportedVersionError(Exception):
    pass


class UnframedBodyError(Exception):
    """Transfer-Encoding without chunked last: the body's end cannot be known (RFC 9112 6.3)."""


class HostError(Exception):
    """HTTP/1.1 without a Host, or more than one (RFC 9112 3.2: answer 400)."""


class ClientConnection(asyncio.Protocol):
    def __init__(self, core: ProxyCore) -> None:
        self.core = core
        self.loop = core.loop
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.ip = ""
        self.ip_bytes = b""
        self.exchange: Exchange | None = None  # being answered
        self.parsing: Exchange | None = None  # whose body is arriving
        self.queue: deque[Exchange] = deque()
        self.blockers: set[str] = set()
        self.last_rx = 0.0
        self.head_started: float | None = None
        self.idle_since = 0.0
        self.closed = False
        self.linger_until = 0.0
        self._reset_head()

    def _reset_head(self) -> None:
        self.url = b""
        self.lines: list[bytes] = []
        self.read: dict[bytes, bytes] = {}
        self.head_size = 0

    # -- connection lifecycle ----------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        peer = transport.get_extra_info("peername")
        self.ip = peer[0] if isinstance(peer, tuple) else "unix"
        self.ip_bytes = self.ip.encode()
        self.last_rx = self.head_started = self.loop.time()
        core = self.core
        if len(core.connections) >= core.config.max_client_connections:
            self.closed = True
            self.transport.write(core.too_many_connections)
            self.transport.close()
            return
        core.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.core.connections.discard(self)
        if self.core.closing and not self.core.connections:
            self.core.drained.set()
        for ex in (self.exchange, self.parsing, *self.queue):
            if ex is not None:
                ex.client_gone()
        self.exchange = self.parsing = None
        self.queue.clear()

    def write(self, data: bytes) -> None:
        if self.transport is not None and not self.closed:
            self.transport.write(data)

    def abort(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def linger_close(self) -> None:
        """Answered before the request body ended: half-close and drain what the client still
        sends for a moment, so that it reads the answer instead of a connection reset."""
        transport = self.transport
        if transport is None or self.closed or not transport.can_write_eof():
            return self.abort()
        self.exchange = self.parsing = None
        self.queue.clear()
        transport.write_eof()
        self.linger_until = self.loop.time() + LINGER_SECONDS
        self.blockers.clear()
        transport.resume_reading()

    def block_reading(self, reason: str) -> None:
        if not self.blockers and self.transport is not None and not self.closed:
            self.transport.pause_reading()
        self.blockers.add(reason)

    def unblock_reading(self, reason: str) -> None:
        if reason in self.blockers:
            self.blockers.discard(reason)
            if not self.blockers and self.transport is not None and not self.closed:
                self.transport.resume_reading()

    # -- flow control: the upstream is faster than this client ----------------------------------
    def pause_writing(self) -> None:
        ex = self.exchange
        if ex is not None and ex.upstream is not None and ex.upstream.transport is not None:
            ex.upstream.transport.pause_reading()

    def resume_writing(self) -> None:
        ex = self.exchange
        if ex is not None and ex.upstream is not None and ex.upstream.transport is not None:
            ex.upstream.transport.resume_reading()

    # -- bytes in ------------------------------------------------------------------------------
    def data_received(self, data: bytes) -> None:
        self.last_rx = self.loop.time()
        if self.linger_until:
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserCallbackError as exc:
            if isinstance(exc.__context__, HeadTooLargeError):
                self._reject(431, "header-too-large", "the request head is too large")
            elif isinstance(exc.__context__, UnsupportedVersionError):
                self._reject(400, "bad-request", "only HTTP/1.0 and HTTP/1.1 are served")
            elif isinstance(exc.__context__, UnframedBodyError):
                self._reject(400, "bad-request", "Transfer-Encoding must end with chunked")
            elif isinstance(exc.__context__, HostError):
                self._reject(400, "bad-request", "exactly one Host header is required")
            else:
                raise
        except httptools.HttpParserError as exc:
            self._reject(400, "bad-request", f"malformed request: {exc}")
        except httptools.HttpParserUpgrade:
            self._no_upgrade()

    def _no_upgrade(self) -> None:
        """The parser stopped after a request asking for an upgrade (WebSocket, h2c) or a
        CONNECT tunnel. Neither is offered: that request is answered as plain HTTP/1.1 (RFC
        9110 7.8 lets a server ignore Upgrade), and as whatever follows it on the connection
        is not HTTP/1.1, the connection closes after the answer."""
        self.block_reading("upgrade")
        last = self.queue[-1] if self.queue else self.exchange
        if last is None or last.done:
            self.abort()
        else:
            last.keep_alive = False

    def _reject(self, status: int, slug: str, detail: str) -> None:
        """A request that cannot be parsed: answer once nothing else is in flight, then close."""
        ex = self.parsing
        if ex is not None and ex is self.exchange and not ex.done:
            # Its body broke off mid-way (a bad chunk): the upstream must not wait for the
            # rest, and the client gets the error in place of the answer.
            self.parsing = None
            self.block_reading("error")
            ex.keep_alive = False
            return ex.respond(status, slug, detail)
        if self.exchange is None:
            lines = self.core.edge.all_lines
            self.write(problem_response(status, slug, detail, close=True, extra_lines=lines))
        self.block_reading("error")
        if self.exchange is None:
            self.abort()
        else:
            self.queue.clear()
            self.core.closing_connections.add(self)

    # -- httptools callbacks ---------------------------------------------------------------------
    def on_message_begin(self) -> None:
        self.head_started = self.last_rx
        self._reset_head()

    def on_url(self, url: bytes) -> None:
        self.url += url
        self.head_size += len(url)
        if self.head_size > self.core.config.max_header_bytes:
            raise HeadTooLargeError

    def on_header(self, name: bytes, value: bytes) -> None:
        self.head_size += len(name) + len(value) + 4
        if self.head_size > self.core.config.max_header_bytes:
            raise HeadTooLargeError
        low = name.lower()
        if low in _READ:
            prev = self.read.get(low)
            self.read[low] = value if prev is None else prev + b", " + value
        if low not in DROPPED_REQUEST_HEADERS:
            self.lines.append(b"%b: %b\r\n" % (name, value))

    def on_headers_complete(self) -> None:
        core, parser, read = self.core, self.parser, self.read
        http_version = parser.get_http_version()
        if http_version != "1.1" and http_version != "1.0":
            raise UnsupportedVersionError
        self.head_started = None
        host = read.get(b"host")
        if (host is None and http_version == "1.1") or (host is not None and b"," in host):
            raise HostError  # a repeated header arrives joined with ", "
        route, target = core.routes.match(self.url)
        lines = self.lines
        conn_header = read.get(b"connection")
        if conn_header is not None and (tokens := connection_tokens(conn_header)):
            lines = drop_named(lines, tokens)
        ip = self.ip_bytes
        xff = read.get(b"x-forwarded-for")
        rid = request_id_or_new(read.get(b"x-request-id"))
        method = parser.get_method()
        authority = core.authorities[route.upstream.name] if route is not None else b""
        head = [
            b"%b %b HTTP/1.1\r\nhost: %b\r\n" % (method, target, authority),
            *lines,
            b"x-forwarded-for: %b\r\nx-forwarded-proto: %b\r\nx-forwarded-host: %b\r\n"
            b"x-request-id: %b\r\ntraceparent: %b\r\n"
            % (
                xff + b", " + ip if xff else ip,
                core.proto,
                host or b"",
                rid,
                traceparent_or_new(read.get(b"traceparent")),
            ),
        ]
        te = read.get(b"transfer-encoding")
        if te is not None and te.rsplit(b",", 1)[-1].strip().lower() != b"chunked":
            raise UnframedBodyError
        cl = read.get(b"content-length")
        ex = Exchange(
            core,
            self,
            route,
            method,
            target,
            head,
            request_id=rid,
            chunked=te is not None,
            content_length=int(cl) if cl is not None and te is None else 0,
            keep_alive=parser.should_keep_alive(),
            http10=http_version == "1.0",
            authorization=read.get(b"authorization"),
            started=self.last_rx,
            origin=read.get(b"origin"),
            preflight=method == b"OPTIONS" and b"access-control-request-method" in read,
        )
        self.parsing = ex
        if self.exchange is None:
            self.exchange = ex
            ex.start()
        else:
            self.queue.append(ex)
            self.block_reading("pipeline")

    def on_body(self, body: bytes) -> None:
        if self.parsing is not None:
            self.parsing.request_body(body)

    def on_message_complete(self) -> None:
        ex, self.parsing = self.parsing, None
        if ex is not None:
            ex.request_end(self.last_rx)

    # -- the end of one exchange -------------------------------------------------------------------
    def exchange_done(self, ex: Exchange, close: bool) -> None:
        if ex is not self.exchange:
            return
        self.exchange = None
        self.idle_since = self.loop.time()
        if close or self.closed or self.core.closing or self in self.core.closing_connections:
            self.core.closing_connections.discard(self)
            if self.parsing is not None:
                self.linger_close()
            else:
                self.abort()
            return
        if self.queue:
            nxt = self.queue.popleft()
            if not self.queue:
                self.unblock_reading("pipeline")
            self.exchange = nxt
            nxt.start()

    # -- deadlines (called by the periodic sweep) ----------------------------------------------
    def check_timeouts(self, now: float) -> None:
        cfg = self.core.config
        if self.linger_until:
            if now > self.linger_until:
                self.abort()
        elif self.head_started is not None:
            if now - self.head_started > cfg.header_timeout:
                self._timeout("the request head did not arrive in time")
        elif self.parsing is not None:
            if now - self.last_rx > cfg.body_idle_timeout:
                self._timeout("the request body stopped arriving")
        elif self.exchange is not None:
            self.exchange.check_timeout(now)
        elif now - self.idle_since > cfg.keepalive_timeout:
            self.abort()

    def _timeout(self, detail: str) -> None:
        ex = self.exchange
        if ex is not None and not ex.response_started:
            ex.respond(408, "request-timeout", detail)
        elif ex is None:
            lines = self.core.edge.all_lines
            self.write(problem_response(408, "request-timeout", detail, close=True,
                                        extra_lines=lines))  # fmt: skip
        self.abort()
