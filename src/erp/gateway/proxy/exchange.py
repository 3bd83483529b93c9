"""One request through the proxy: authorize, rate-limit, forward, stream the answer back."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from erp.gateway.proxy.buckets import Decision
from erp.gateway.proxy.pool import PoolExhaustedError
from erp.gateway.proxy.problems import problem_response
from erp.gateway.proxy.routing import Route
from erp.gateway.proxy.tokens import TokenRejectedError

if TYPE_CHECKING:
    from erp.gateway.proxy.connection import ClientConnection
    from erp.gateway.proxy.core import ProxyCore
    from erp.gateway.proxy.upstream import UpstreamConnection

IDEMPOTENT = frozenset({b"GET", b"HEAD", b"OPTIONS", b"PUT", b"DELETE"})
REPLAY_LIMIT = 64 * 1024  # requests up to this size can be resent after a stale connection
BUFFER_HIGH = 256 * 1024  # stop reading the client when this much body waits for an upstream
NO_BODY_STATUS = (204, 304)

log = logging.getLogger("erp.gateway.proxy")


class Exchange:
    """State of one request/response pair; driven by the client and upstream protocols."""

    __slots__ = (
        "active",
        "answered",
        "attempts",
        "authorization",
        "body_bytes",
        "chunked",
        "client",
        "close_after",
        "content_length",
        "core",
        "done",
        "head_parts",
        "held",
        "http10",
        "keep_alive",
        "method",
        "origin",
        "pending",
        "pending_bytes",
        "preflight",
        "proxied",
        "rate_lines",
        "request_done",
        "request_done_at",
        "request_id",
        "response_started",
        "route",
        "sent",
        "sent_bytes",
        "stale_retried",
        "started",
        "status",
        "target",
        "too_large",
        "upstream",
    )  # fmt: skip

    def __init__(
        self,
        core: ProxyCore,
        client: ClientConnection,
        route: Route | None,
        method: bytes,
        target: bytes,
        head_parts: list[bytes],
        *,
        request_id: bytes,
        chunked: bool,
        content_length: int,
        keep_alive: bool,
        http10: bool,
        authorization: bytes | None,
        started: float,
        origin: bytes | None = None,
        preflight: bool = False,
    ) -> None:
        self.core, self.client, self.route = core, client, route
        self.method, self.target = method, target
        self.head_parts = head_parts  # completed with identity and framing at start
        self.request_id = request_id
        self.chunked, self.keep_alive, self.http10 = chunked, keep_alive, http10
        self.content_length = content_length
        self.authorization = authorization
        self.started = started
        self.origin, self.preflight = origin, preflight
        self.pending: list[bytes] = []
        self.pending_bytes = 0
        self.sent: list[bytes] | None = []
        self.sent_bytes = 0
        self.body_bytes = 0
        self.too_large = False
        self.request_done = False
        self.request_done_at = 0.0
        self.upstream: UpstreamConnection | None = None
        self.attempts = 0
        self.stale_retried = False
        self.rate_lines = b""
        self.status = 0
        self.response_started = False
        self.held = b""  # a response head waiting for the first body bytes
        self.proxied = False  # the answer came from the upstream
        self.close_after = False
        self.active = False
        self.answered = False  # answered by the proxy itself; the body is read and dropped
        self.done = False

    # -- admission -------------------------------------------------------------------------
    def start(self) -> None:
        """Called when this exchange's turn on the connection comes."""
        self.active = True
        route, core = self.route, self.core
        if self.preflight and self.origin is not None and core.edge.cors:
            close = not self.keep_alive or core.closing
            status, data = core.edge.preflight(self.origin, self.request_id, close)
            return self._answer(status, data, close)
        if route is None:
            if self.method == b"CONNECT":
                return self.respond(405, "method-not-allowed", "CONNECT tunnels are not served")
            return self.respond(404, "not-found", "no route serves this path")
        if self.too_large or self.content_length > route.max_body_bytes:
            return self.payload_too_large()
        user = None
        if route.requires_auth:
            try:
                ident = core.verifier.verify_header(self.authorization)
            except TokenRejectedError as exc:
                challenge = 'Bearer error="invalid_token"' if self.authorization else "Bearer"
                return self.respond(
                    401, "unauthorized", str(exc), (("www-authenticate", challenge),)
                )
            user = ident.sub
            self.head_parts.append(ident.header_lines)
        if self.chunked:
            self.head_parts.append(b"transfer-encoding: chunked\r\n")
        self.head_parts.append(b"\r\n")
        self.pending.insert(0, b"".join(self.head_parts))
        limiter = core.limiter
        if limiter is None:
            return self.forward()
        decision = limiter.check(user, self.client.ip, self.on_decision)
        if decision is not None:
            self.on_decision(decision)

    def on_decision(self, d: Decision) -> None:
        if self.done:
            return
        if not d.allowed:
            headers = (
                ("retry-after", str(max(d.retry_after, 1))),
                ("ratelimit-limit", str(d.limit)),
                ("ratelimit-remaining", "0"),
                ("ratelimit-reset", str(d.reset)),
            )
            return self.respond(429, "rate-limited", "too many requests, retry later", headers)
        self.rate_lines = d.header_lines()
        self.forward()

    def forward(self, *, fresh: bool = False) -> None:
        """Send the request to a pooled connection, or open one (always, when `fresh`)."""
        assert self.route is not None
        pool = self.core.pools[self.route.upstream.name]
        if not pool.breaker.allow(self.core.loop.time()):
            detail = f"{self.route.label} is unavailable, retry later"
            return self.respond(503, "upstream-unavailable", detail, (("retry-after", "1"),))
        conn = None if fresh else pool.acquire_nowait()
        if conn is not None:
            self.attach(conn)
        else:
            self.core.spawn(self.connect(fresh))

    async def connect(self, fresh: bool = False) -> None:
        assert self.route is not None
        pool = self.core.pools[self.route.upstream.name]
        try:
            conn = await pool.acquire(fresh=fresh)
        except PoolExhaustedError as exc:
            return self.respond(503, "upstream-busy", str(exc), (("retry-after", "1"),))
        except (OSError, TimeoutError) as err:  # not `exc`: compiled code types each name once
            if self.done:
                return
            pool.breaker.failure(self.core.loop.time())
            if self.method in IDEMPOTENT and self.attempts < self.core.config.upstream.retries:
                self.attempts += 1
                self._count_retry(pool.upstream.name, "failed")
                return self.forward()
            # Nothing reached the upstream: it is down (refused, timed out, hung up at once),
            # which is 503 and safe to retry, as the breaker's own fast answer is.
            detail = f"cannot connect to the {self.route.label} upstream, retry later"
            self._log_failure(pool.upstream.name, f"{detail}: {err!r}")
            return self.respond(503, "upstream-unreachable", detail, (("retry-after", "1"),))
        if self.done:
            pool.release(conn, True)
            return
        self.attach(conn)

    # -- request bytes ----------------------------------------------------------------------
    def attach(self, conn: UpstreamConnection) -> None:
        self.upstream = conn
        conn.bind(self, head_only=self.method == b"HEAD")
        out = (self.sent or []) + self.pending
        self.pending, self.pending_bytes, self.sent, self.sent_bytes = [], 0, [], 0
        self.send(b"".join(out) if len(out) > 1 else out[0])
        self.client.unblock_reading("buffer")

    def send(self, data: bytes) -> None:
        conn = self.upstream
        assert conn is not None and conn.transport is not None
        conn.transport.write(data)
        if self.sent is not None:
            self.sent_bytes += len(data)
            if self.sent_bytes <= REPLAY_LIMIT:
                self.sent.append(data)
            else:
                self.sent = None

    def request_body(self, chunk: bytes) -> None:
        self.body_bytes += len(chunk)
        if self.route is not None and self.body_bytes > self.route.max_body_bytes:
            self.too_large = True
            if self.active:
                self.payload_too_large()
            return
        if self.done or self.too_large or self.answered:
            return
        if self.chunked:
            chunk = b"%x\r\n%b\r\n" % (len(chunk), chunk)
        if self.upstream is not None:
            self.send(chunk)
        else:
            self.pending.append(chunk)
            self.pending_bytes += len(chunk)
            if self.pending_bytes > BUFFER_HIGH:
                self.client.block_reading("buffer")

    def request_end(self, now: float) -> None:
        self.request_done = True
        self.request_done_at = now
        if self.answered:
            self.finish(False)
        elif self.chunked and not self.done and not self.too_large:
            if self.upstream is not None:
                self.send(b"0\r\n\r\n")
            else:
                self.pending.append(b"0\r\n\r\n")

    # -- response bytes (called by the upstream connection) ---------------------------------
    def response_informational(self, head: bytes) -> None:
        self.client.write(head)

    def response_head(self, head: bytes, status: int, body: bytes) -> None:
        self.status = status
        self.proxied = True
        self.response_started = True
        core = self.core
        kept, edge_lines, framed, has_rid = core.response_heads.get(head, self.request_id)
        close = not self.keep_alive or core.closing
        if not framed and status not in NO_BODY_STATUS and self.method != b"HEAD":
            close = True  # the body ends when the upstream closes; so must the client's
        self.close_after = close
        rid = b"" if has_rid else b"x-request-id: " + self.request_id + b"\r\n"
        cors = core.edge.cors_lines(self.origin) if self.origin is not None else b""
        if close:
            end = b"connection: close\r\n\r\n"
        elif self.http10:
            end = b"connection: keep-alive\r\n\r\n"
        else:
            end = b"\r\n"
        # An upstream's own 429 (the login lockout) speaks for its own policy: the edge quota's
        # RateLimit-* fields beside it would tell the client it still has quota.
        rate = self.rate_lines if status != 429 else b""
        parts = [kept, rid, rate, cors, edge_lines, end]
        if body:
            parts.append(body)
            self.client.write(b"".join(parts))
        elif status in NO_BODY_STATUS or self.method == b"HEAD":
            self.client.write(b"".join(parts))
        else:
            # Servers such as uvicorn write the head and the body separately: send both in one
            # write (one segment, one wake-up of the client) once the body starts.
            self.held = b"".join(parts)

    def response_body(self, data: bytes) -> None:
        held = self.held
        if held:
            self.held = b""
            data = held + data
        self.client.write(data)

    def response_complete(self, conn: UpstreamConnection, keep_alive: bool) -> None:
        if self.held:
            self.client.write(self.held)
            self.held = b""
        self.upstream = None
        conn.pool.breaker.success(self.core.loop.time())
        conn.pool.release(conn, keep_alive and self.request_done)
        if self.request_done or self.close_after:
            self.finish(self.close_after)
        else:
            # Answered before the request body ended, and the answer did not say `close`:
            # read and drop the rest of the body, then serve the next request on this
            # connection (closing here would lose a request the client already sent).
            self.answered = True

    def upstream_failed(
        self, conn: UpstreamConnection, reason: str, *, broken: bool = False, timeout: bool = False
    ) -> None:
        if self.upstream is not conn:
            return
        self.upstream = None
        conn.exchange = None
        conn.close()
        if self.done:
            return
        # A kept-alive connection that closed before answering most likely timed out or
        # belongs to an upstream that is shutting down, and so may every other idle one (a
        # rolling update closes them all at once): the retry goes out on a new connection,
        # which the Service routes to a live endpoint. It is the proxy's own race, not an
        # upstream failure, so it does not count against `retries` or the breaker.
        unanswered = not conn.got_bytes and not broken and not timeout
        replayable = self.method in IDEMPOTENT and self.sent is not None
        if unanswered and replayable and conn.reused and not self.stale_retried:
            self.stale_retried = True
            self._count_retry(conn.pool.upstream.name, "stale")
            return self.forward(fresh=True)
        conn.pool.breaker.failure(self.core.loop.time())
        # A new connection that closed without a word: the upstream (or the endpoint a Service
        # still routed to) failed; an idempotent request may go again, as after a refused connect.
        if unanswered and replayable and self.attempts < self.core.config.upstream.retries:
            self.attempts += 1
            self._count_retry(conn.pool.upstream.name, "failed")
            return self.forward()
        self._log_failure(conn.pool.upstream.name, reason)
        if self.response_started:
            self.client.abort()
            return self.finish(True)
        self.respond(
            504 if timeout else 502, "gateway-timeout" if timeout else "bad-gateway", reason
        )

    def _count_retry(self, upstream: str, reason: str) -> None:
        if self.core.metrics is not None:
            self.core.metrics.upstream_retry(upstream, reason)

    def _log_failure(self, upstream: str, reason: str) -> None:
        # Access logs are off on the hot path; a failed upstream exchange is what an operator
        # must be able to find (with the id the client saw).
        log.warning(
            "upstream %s failed %s %s: %s (request id %s)",
            upstream,
            self.method.decode("latin-1"),
            self.target.decode("latin-1").split("?", 1)[0],
            reason,
            self.request_id.decode("latin-1"),
        )

    def check_timeout(self, now: float) -> None:
        conn = self.upstream
        if conn is None or not self.request_done or self.route is None:
            return
        if now - max(conn.last_io, self.request_done_at) > self.route.response_timeout:
            self.upstream_failed(conn, "the upstream did not answer in time", timeout=True)

    # -- endings ----------------------------------------------------------------------------
    def payload_too_large(self) -> None:
        self.too_large = True
        if self.answered:
            self.client.abort()
            return self.finish(True)
        limit = self.route.max_body_bytes if self.route else 0
        self.respond(413, "payload-too-large", f"the request body exceeds {limit} bytes")

    def respond(
        self, status: int, slug: str, detail: str, headers: tuple[tuple[str, str], ...] = ()
    ) -> None:
        """Answer from the proxy itself (errors); drops any upstream attempt."""
        if self.done:
            return
        if self.upstream is not None:
            conn, self.upstream = self.upstream, None
            conn.exchange = None
            conn.close()
        if self.response_started:
            self.client.abort()
            return self.finish(True)
        close = self.too_large or not self.keep_alive or self.core.closing
        rid = self.request_id.decode("latin-1")
        edge = self.core.edge
        lines = edge.all_lines + edge.cors_lines(self.origin) if self.origin else edge.all_lines
        data = problem_response(
            status, slug, detail, request_id=rid, close=close, extra_headers=headers,
            extra_lines=lines,
        )  # fmt: skip
        self._answer(status, data, close)

    def _answer(self, status: int, data: bytes, close: bool) -> None:
        self.status = status
        self.response_started = True
        self.client.write(data)
        if close or self.request_done:
            self.finish(close)
        else:
            self.answered = True  # keep the connection: finish once the body has been read

    def finish(self, close: bool) -> None:
        if self.done:
            return
        self.done = True
        metrics = self.core.metrics
        if metrics is not None and (
            self.route is not self.core.routes.fallback
            or not self.proxied
            or self.core.config.count_fallback
        ):
            label = self.route.label if self.route else "unmatched"
            metrics.record(label, self.method, self.status, self.core.loop.time() - self.started)
        self.client.exchange_done(self, close)

    def client_gone(self) -> None:
        """The client connection closed: drop the upstream side unless it completed."""
        if self.upstream is not None:
            conn, self.upstream = self.upstream, None
            conn.exchange = None
            conn.close()
        self.done = True
