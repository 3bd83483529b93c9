"""Upstream addresses and the longest-prefix route table."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from erp.gateway.proxy.config import RouteConfig


@dataclass(frozen=True, slots=True)
class Upstream:
    """Where a pool connects: TCP host and port, or a unix socket path."""

    name: str
    host: str = ""
    port: int = 0
    unix_path: str = ""

    @property
    def authority(self) -> str:
        """The Host header value sent upstream."""
        return f"{self.host}:{self.port}" if not self.unix_path else "localhost"


def parse_upstream(url: str) -> Upstream:
    """Read `http://host:port`, `unix:/path/to.sock` or `unix:///path/to.sock`."""
    if url.startswith("unix:"):
        path = url[5:]
        if path.startswith("//"):
            path = path[2:]
        if not path:
            raise ValueError(f"upstream {url!r}: empty unix socket path")
        return Upstream(name=url, unix_path=path)
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise ValueError(f"upstream {url!r}: expected http://host:port or unix:/path")
    if parts.path not in ("", "/"):
        raise ValueError(f"upstream {url!r}: a base path is not supported")
    return Upstream(name=url, host=parts.hostname, port=parts.port or 80)


@dataclass(frozen=True, slots=True)
class Route:
    """A resolved route: its metric label, upstream and per-route limits."""

    label: str
    prefix: bytes
    upstream: Upstream
    requires_auth: bool
    strip: int
    max_body_bytes: int
    response_timeout: float


class RouteTable:
    """Longest-prefix match of request targets onto routes, plus a fallback."""

    def __init__(
        self,
        routes: tuple[RouteConfig, ...],
        fallback: str | None,
        *,
        max_body_bytes: int,
        response_timeout: float,
    ) -> None:
        resolved = []
        for rc in routes:
            prefix = rc.prefix if rc.prefix.endswith("/") else rc.prefix + "/"
            resolved.append(
                Route(
                    label=prefix.rstrip("/"),
                    prefix=prefix.encode(),
                    upstream=parse_upstream(rc.upstream),
                    requires_auth=rc.requires_auth,
                    strip=len(prefix) - 1 if rc.strip_prefix else 0,
                    max_body_bytes=rc.max_body_bytes or max_body_bytes,
                    response_timeout=rc.response_timeout or response_timeout,
                )
            )
        # Longest first, so the first hit is the longest matching prefix.
        self.routes = sorted(resolved, key=lambda r: len(r.prefix), reverse=True)
        self.fallback = (
            Route(
                label="fallback",
                prefix=b"/",
                upstream=parse_upstream(fallback),
                requires_auth=False,
                strip=0,
                max_body_bytes=max_body_bytes,
                response_timeout=response_timeout,
            )
            if fallback
            else None
        )

    def upstreams(self) -> list[Upstream]:
        """Every distinct upstream, fallback included."""
        seen = {r.upstream.name: r.upstream for r in self.routes}
        if self.fallback:
            seen.setdefault(self.fallback.upstream.name, self.fallback.upstream)
        return list(seen.values())

    def match(self, target: bytes) -> tuple[Route | None, bytes]:
        """The route for a request target and the target to send upstream."""
        for route in self.routes:
            prefix = route.prefix
            if (
                target.startswith(prefix)
                or target == prefix[:-1]
                or (
                    target.startswith(prefix[:-1]) and target[len(prefix) - 1 : len(prefix)] == b"?"
                )
            ):
                rest = target[route.strip :] if route.strip else target
                if not rest or rest[:1] != b"/":
                    rest = b"/" + rest
                return route, rest
        if target[:1] != b"/":
            origin = origin_form(target)
            # absolute-form is routed by its path; authority-form (CONNECT) and `*` are not
            return self.match(origin) if origin is not None else (None, target)
        return self.fallback, target


def origin_form(target: bytes) -> bytes | None:
    """The path and query of an absolute-form target (`http://host/path?q`, RFC 9112 3.2.2),
    which a server must accept; None for anything else that does not start with `/`."""
    scheme, sep, rest = target.partition(b"://")
    if not sep or scheme.lower() not in (b"http", b"https"):
        return None
    cut = min((i for i in (rest.find(b"/"), rest.find(b"?")) if i >= 0), default=len(rest))
    path = rest[cut:]
    return path if path[:1] == b"/" else b"/" + path
