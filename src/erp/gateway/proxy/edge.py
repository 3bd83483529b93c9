"""Headers the edge adds to every response: security headers and CORS (by configuration)."""

from __future__ import annotations

from erp.gateway.proxy.config import EdgeHeadersConfig

# The policy for what the services answer by default, JSON: nothing may load or run. An HTML
# page (the dashboard, /docs) sends its own policy, which the edge keeps as it is: adding this
# one next to it would block the page, since a browser enforces every policy it receives.
JSON_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
CORS_METHODS = b"GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
CORS_REQUEST_HEADERS = b"authorization, content-type, idempotency-key, x-request-id, traceparent"
CORS_EXPOSED = (
    b"ratelimit-limit, ratelimit-remaining, ratelimit-reset, retry-after, x-request-id, location"
)


class EdgeHeaders:
    """Pre-encoded header lines; the per-response work is a few substring checks."""

    def __init__(self, cfg: EdgeHeadersConfig) -> None:
        pairs = [
            ("x-content-type-options", "nosniff"),
            ("x-frame-options", "DENY"),
            ("referrer-policy", "no-referrer"),
            ("content-security-policy", JSON_CSP),
        ]
        if cfg.hsts:
            pairs.append(("strict-transport-security", "max-age=31536000; includeSubDomains"))
        # (b"\r\nname:", line): a line is added unless the upstream set that header itself.
        self.defaults = tuple(
            (b"\r\n" + n.encode() + b":", f"{n}: {v}\r\n".encode()) for n, v in pairs
        )
        self.all_lines = b"".join(line for _, line in self.defaults)
        self.any_origin = "*" in cfg.cors_origins
        self.origins = frozenset(o.encode() for o in cfg.cors_origins if o != "*")
        self.cors = bool(cfg.cors_origins)
        self.max_age = str(cfg.cors_max_age).encode()

    def missing_from(self, low_head: bytes) -> bytes:
        """Security header lines that an upstream response head (lower-cased) lacks."""
        return b"".join(line for key, line in self.defaults if key not in low_head)

    def allows(self, origin: bytes | None) -> bool:
        return origin is not None and (self.any_origin or origin in self.origins)

    def cors_lines(self, origin: bytes | None) -> bytes:
        """CORS lines for an actual (non-preflight) request from `origin`."""
        if not self.cors or origin is None:
            return b""
        if not self.allows(origin):
            return b"vary: origin\r\n"
        return (
            b"access-control-allow-origin: %b\r\nvary: origin\r\n"
            b"access-control-expose-headers: %b\r\n" % (origin, CORS_EXPOSED)
        )

    def preflight(self, origin: bytes, request_id: bytes, close: bool) -> tuple[int, bytes]:
        """The whole answer to a CORS preflight: 204 with the allowances, or 403."""
        if not self.allows(origin):
            body = b'{"type":"https://erp.example/problems/cors-origin","title":"Forbidden",' \
                   b'"status":403,"detail":"this origin may not call the API"}'  # fmt: skip
            head = (
                b"HTTP/1.1 403 Forbidden\r\ncontent-type: application/problem+json\r\n"
                b"content-length: %d\r\nvary: origin\r\n" % len(body)
            )
            status = 403
        else:
            body = b""
            head = (
                b"HTTP/1.1 204 No Content\r\naccess-control-allow-origin: %b\r\nvary: origin\r\n"
                b"access-control-allow-methods: %b\r\naccess-control-allow-headers: %b\r\n"
                b"access-control-max-age: %b\r\n"
                % (origin, CORS_METHODS, CORS_REQUEST_HEADERS, self.max_age)
            )
            status = 204
        head += b"x-request-id: " + request_id + b"\r\n" + self.all_lines
        if close:
            head += b"connection: close\r\n"
        return status, head + b"\r\n" + body
