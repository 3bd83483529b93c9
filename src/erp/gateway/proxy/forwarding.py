"""Header rules for forwarding: hop-by-hop stripping, X-Forwarded-*, request ids, trace context."""

from __future__ import annotations

import random
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from erp.gateway.proxy.edge import EdgeHeaders

# Never forwarded in either direction (RFC 9110 section 7.6.1, plus the legacy Proxy-* family).
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)
# Request headers the proxy sets itself; client-supplied copies are dropped.
MANAGED = frozenset(
    {
        b"host",
        b"x-forwarded-for",
        b"x-forwarded-proto",
        b"x-forwarded-host",
        b"x-request-id",
        b"traceparent",
        b"x-authenticated-user",
        b"x-authenticated-roles",
    }
)
DROPPED_REQUEST_HEADERS = HOP_BY_HOP | MANAGED

_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:\-]{1,128}")
_TRACEPARENT = re.compile(rb"([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}(-.*)?")
_ZERO_TRACE = b"0" * 32
_ZERO_PARENT = b"0" * 16
_rng = random.Random()


def request_id_or_new(value: bytes | None) -> bytes:
    """Keep a well-formed client request id, otherwise make a fresh one."""
    if value is not None and _REQUEST_ID.fullmatch(value):
        return value
    return b"%032x" % _rng.getrandbits(128)


def traceparent_or_new(value: bytes | None) -> bytes:
    """Keep a valid W3C traceparent, otherwise start a new sampled trace."""
    if value is not None:
        m = _TRACEPARENT.fullmatch(value)
        if (
            m is not None
            and m.group(1) != b"ff"
            and m.group(2) != _ZERO_TRACE
            and m.group(3) != _ZERO_PARENT
            and (m.group(1) != b"00" or m.group(4) is None)
        ):
            return value
    return b"00-%032x-%016x-01" % (_rng.getrandbits(128) or 1, _rng.getrandbits(64) or 1)


def connection_tokens(value: bytes) -> frozenset[bytes]:
    """Header names a Connection header marks as hop-by-hop (besides close/keep-alive)."""
    names = {t.strip().lower() for t in value.split(b",")}
    return frozenset(names - {b"close", b"keep-alive", b""})


def drop_named(lines: list[bytes], names: frozenset[bytes]) -> list[bytes]:
    """Remove `name: value` lines whose name is in `names`."""
    return [ln for ln in lines if ln.split(b":", 1)[0].strip().lower() not in names]


_RESPONSE_HOP = re.compile(rb"\r\n(?:connection:|keep-alive:|proxy-|upgrade:|trailer:|te:)")


def parse_response_head(
    head: bytes, edge: EdgeHeaders | None = None
) -> tuple[bytes, bytes, bool, bool]:
    """The part of an upstream response head that depends on the head alone.

    Returns the head without hop-by-hop fields and without its blank line, the edge's security
    header lines it lacks, whether it is framed, and whether it carries an X-Request-Id.
    """
    low = head.lower()
    framed = b"\r\ncontent-length:" in low or b"\r\ntransfer-encoding:" in low
    edge_lines = edge.missing_from(low) if edge is not None else b""
    has_rid = b"\r\nx-request-id:" in low
    if _RESPONSE_HOP.search(low) is not None:
        lines = head[:-4].split(b"\r\n")
        hop = set(HOP_BY_HOP)
        for ln in lines[1:]:
            name, _, value = ln.partition(b":")
            if name.strip().lower() == b"connection":
                hop |= connection_tokens(value)
        kept = [lines[0]]
        for ln in lines[1:]:
            name = ln.split(b":", 1)[0].strip().lower()
            if name in hop or name.startswith(b"proxy-"):
                if name == b"transfer-encoding":
                    kept.append(ln)  # the body is passed through with its own framing
                continue
            kept.append(ln)
        head = b"\r\n".join(kept) + b"\r\n\r\n"
    return head[:-2], edge_lines, framed, has_rid


class ResponseHeads:
    """`parse_response_head` remembered per head: services answer with the same few heads
    (they differ in Content-Length and, at most once a second, Date), so most responses cost
    one dictionary lookup instead of lower-casing and searching the head.

    Services echo the request id the proxy sent, which would make every head unique: that
    line is cut out before the lookup, and the proxy adds the same id back itself.
    """

    __slots__ = ("_cache", "_edge", "_size")

    def __init__(self, edge: EdgeHeaders | None, size: int = 1024) -> None:
        self._edge = edge
        self._size = size
        self._cache: dict[bytes, tuple[bytes, bytes, bool, bool]] = {}

    def get(self, head: bytes, request_id: bytes) -> tuple[bytes, bytes, bool, bool]:
        echo = b"\r\nx-request-id: " + request_id + b"\r\n"
        at = head.find(echo)
        if at >= 0:
            head = head[:at] + head[at + len(echo) - 2 :]
        parsed = self._cache.get(head)
        if parsed is None:
            parsed = parse_response_head(head, self._edge)
            if len(head) <= 4096:
                if len(self._cache) >= self._size:
                    self._cache.clear()
                self._cache[head] = parsed
        return parsed
