"""ASGI middleware: request id and traceparent, access log, request metrics, body size limit.

Pure ASGI (no BaseHTTPMiddleware) because it sits on every request's path.
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from typing import Any

import structlog
from starlette.exceptions import HTTPException as StarletteHTTPException

from erp.platform.errors import PayloadTooLarge
from erp.platform.logging import get_logger
from erp.platform.metrics import HTTP_IN_FLIGHT, HTTP_LATENCY, HTTP_REQUESTS

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
_QUIET_PATHS = {"/healthz", "/readyz", "/metrics"}
log = get_logger("erp.http")

Scope = dict[str, Any]


def new_traceparent() -> str:
    return f"00-{os.urandom(16).hex()}-{os.urandom(8).hex()}-01"


def valid_traceparent(value: str | None) -> bool:
    if not value:
        return False
    match = _TRACEPARENT.match(value)
    return bool(match) and match.group(1) != "0" * 32 and match.group(2) != "0" * 16  # type: ignore[union-attr]


class _BodyTooLarge(StarletteHTTPException):
    """An HTTPException so that FastAPI's body parsing re-raises it instead of calling it a
    parse error (400); the error handlers then answer 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body exceeds {limit} bytes")


class RequestContextMiddleware:
    def __init__(self, app: Any, *, service: str, max_body_bytes: int) -> None:
        self.app = app
        self.service = service
        self.max_body = max_body_bytes
        self.in_flight = HTTP_IN_FLIGHT.labels(service)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {
            k: v
            for k, v in scope["headers"]
            if k in (b"x-request-id", b"traceparent", b"content-length")
        }
        rid = headers.get(b"x-request-id", b"").decode("latin-1")
        if not _REQUEST_ID.match(rid):
            rid = uuid.uuid4().hex
        trace = headers.get(b"traceparent", b"").decode("latin-1")
        if not valid_traceparent(trace):
            trace = new_traceparent()
        scope.setdefault("state", {}).update(request_id=rid, traceparent=trace)
        structlog.contextvars.bind_contextvars(
            service=self.service, request_id=rid, traceparent=trace
        )
        started = time.perf_counter()
        status = 500
        response_started = False

        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            await self._reject_too_large(send, rid, scope["path"])
            self._observe(scope, 413, started)
            return

        received = 0

        async def limited_receive() -> Any:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise _BodyTooLarge(self.max_body)
            return message

        async def send_with_id(message: Any) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        # HEAD is GET without the body (RFC 9110 9.3.2), which FastAPI routes do not offer on
        # their own: the app sees GET, and uvicorn, which still sees HEAD, sends no body.
        app_scope = scope if scope["method"] != "HEAD" else {**scope, "method": "GET"}
        self.in_flight.inc()
        try:
            await self.app(app_scope, limited_receive, send_with_id)
        except _BodyTooLarge:
            if not response_started:
                await self._reject_too_large(send, rid, scope["path"])
            status = 413
        finally:
            self.in_flight.dec()
            if app_scope is not scope and "route" in app_scope:
                scope["route"] = app_scope["route"]
            self._observe(scope, status, started)
            structlog.contextvars.clear_contextvars()

    async def _reject_too_large(self, send: Any, rid: str, path: str) -> None:
        error = PayloadTooLarge(f"request body exceeds {self.max_body} bytes")
        body = json.dumps(error.body(path)).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"x-request-id", rid.encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def _observe(self, scope: Scope, status: int, started: float) -> None:
        elapsed = time.perf_counter() - started
        route = scope.get("route")
        template = getattr(route, "path", None) or "unmatched"
        method = scope["method"]
        HTTP_REQUESTS.labels(self.service, method, template, str(status)).inc()
        HTTP_LATENCY.labels(self.service, method, template).observe(elapsed)
        if scope["path"] not in _QUIET_PATHS:
            log.info(
                "request",
                method=method,
                path=scope["path"],
                route=template,
                status=status,
                duration_ms=round(elapsed * 1000, 2),
            )
