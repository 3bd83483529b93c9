"""A minimal pipelining Redis client: just enough RESP2 for EVALSHA on the hot path.

redis-py costs tens of microseconds per command; here commands issued during one event-loop
turn go out in a single write and replies are matched to futures in order.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any, cast
from urllib.parse import urlsplit


class RedisReplyError(Exception):
    """An error reply (`-ERR ...`) from Redis."""


def encode_command(*args: bytes) -> bytes:
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class _IncompleteError(Exception):
    pass


def _parse(buf: bytes, pos: int) -> tuple[Any, int]:
    end = buf.find(b"\r\n", pos)
    if end < 0:
        raise _IncompleteError
    kind, line = buf[pos : pos + 1], buf[pos + 1 : end]
    pos = end + 2
    if kind == b":":
        return int(line), pos
    if kind == b"+":
        return line, pos
    if kind == b"-":
        return RedisReplyError(line.decode(errors="replace")), pos
    if kind == b"$":
        n = int(line)
        if n < 0:
            return None, pos
        if len(buf) < pos + n + 2:
            raise _IncompleteError
        return buf[pos : pos + n], pos + n + 2
    if kind == b"*":
        n = int(line)
        if n < 0:
            return None, pos
        items = []
        for _ in range(n):
            item, pos = _parse(buf, pos)
            items.append(item)
        return items, pos
    raise ValueError(f"unexpected RESP type {kind!r}")


class RedisPipe(asyncio.Protocol):
    """One connection; `call` queues a command and returns a future for its reply."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self._waiting: deque[asyncio.Future[Any]] = deque()
        self._out: list[bytes] = []
        self._buf = b""
        self._progress_at = 0.0
        # Kept: each asyncio.get_running_loop() costs a getpid() system call.
        self._loop = asyncio.get_running_loop()
        self.closed = self._loop.create_future()

    @classmethod
    async def connect(cls, url: str, timeout: float) -> RedisPipe:  # noqa: ASYNC109
        parts = urlsplit(url)
        loop = asyncio.get_running_loop()
        _, pipe = await asyncio.wait_for(
            loop.create_connection(cls, parts.hostname or "127.0.0.1", parts.port or 6379),
            timeout,
        )
        db = (parts.path or "/0").lstrip("/") or "0"
        if parts.password:
            user = parts.username or "default"
            auth = pipe.call(b"AUTH", user.encode(), parts.password.encode())
            await asyncio.wait_for(auth, timeout)
        if db != "0":
            await asyncio.wait_for(pipe.call(b"SELECT", db.encode()), timeout)
        return pipe

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def call(self, *args: bytes) -> asyncio.Future[Any]:
        loop = self._loop
        fut: asyncio.Future[Any] = loop.create_future()
        if self.transport is None or self.transport.is_closing():
            fut.set_exception(ConnectionError("redis connection is closed"))
            return fut
        if not self._out:
            loop.call_soon(self._flush)
            if not self._waiting:
                self._progress_at = loop.time()
        self._out.append(encode_command(*args))
        self._waiting.append(fut)
        return fut

    def _flush(self) -> None:
        out, self._out = self._out, []
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(b"".join(out))

    def data_received(self, data: bytes) -> None:
        self._progress_at = self._loop.time()
        buf = self._buf + data if self._buf else data
        pos = 0
        while pos < len(buf):
            try:
                reply, pos = _parse(buf, pos)
            except _IncompleteError:
                break
            fut = self._waiting.popleft()
            if not fut.done():
                if isinstance(reply, RedisReplyError):
                    fut.set_exception(reply)
                else:
                    fut.set_result(reply)
        self._buf = buf[pos:]

    def waiting_since(self, now: float) -> float:
        """Seconds without a reply while commands are outstanding (0 when none are)."""
        return now - self._progress_at if self._waiting else 0.0

    def connection_lost(self, exc: Exception | None) -> None:
        while self._waiting:
            fut = self._waiting.popleft()
            if not fut.done():
                fut.set_exception(ConnectionError("redis connection lost"))
        if not self.closed.done():
            self.closed.set_result(None)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
