"""Small HTTP GETs to upstreams (`http://host:port` or `unix:/path`) for /status and /docs.

Off the hot path, so plain asyncio streams: no client library, one connection per call.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

MAX_BYTES = 8 * 1024 * 1024


async def http_get(base: str, path: str, *, timeout: float = 2.0) -> tuple[int, bytes]:  # noqa: ASYNC109
    """(status, body) of `GET base+path`; raises OSError or TimeoutError when unreachable."""
    return await asyncio.wait_for(_get(base, path), timeout)


async def _get(base: str, path: str) -> tuple[int, bytes]:
    if base.startswith("unix:"):
        socket_path = base[5:].removeprefix("//")
        reader, writer = await asyncio.open_unix_connection(socket_path)
        host = "localhost"
    else:
        parts = urlsplit(base)
        host = parts.netloc
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port or 80)
    try:
        writer.write(
            f"GET {path} HTTP/1.0\r\nHost: {host}\r\nAccept: application/json\r\n\r\n".encode()
        )
        await writer.drain()
        raw = await reader.read(MAX_BYTES)
        while chunk := await reader.read(MAX_BYTES):
            raw += chunk
            if len(raw) > MAX_BYTES:
                raise OSError("upstream answer too large")
    finally:
        writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].split()
    if len(status_line) < 2 or not status_line[1].isdigit():
        raise OSError("malformed upstream answer")
    return int(status_line[1]), body
