"""Load for the HTTP rows: wrk with a generated Lua script, or a small asyncio client where wrk
is missing (and in the quick mode, whose runs are too short for wrk's one-second ticks).

A `Pattern` names what each request sends; `{sku}`, `{id}`, `{seq}` and `{lines}` in its path
and body are filled per request, so both generators send the same requests.
"""

from __future__ import annotations

import asyncio
import random
import re
import shutil
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

_SLOT = re.compile(r"\{(sku|id|seq|lines)\}")


@dataclass
class Pattern:
    method: str
    path: str
    body: str | None = None
    skus: list[str] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)
    seq: int = 0  # the next `{seq}`: ids handed out once each (documents issued once)
    lines: int = 0  # `{lines}`: this many distinct SKUs, each rendered by `line`
    line: str = ""
    keyed: bool = True  # an Idempotency-Key per request (state changes)


@dataclass
class Result:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _distinct(skus: list[str], count: int, start: int) -> list[str]:
    stride = max(1, len(skus) // max(count, 1))
    return [skus[(start + k * stride) % len(skus)] for k in range(count)]


def render(p: Pattern, n: int, rng: random.Random) -> tuple[str, bytes | None]:
    """(path, body) of the `n`-th request of a run."""
    values = {
        "sku": rng.choice(p.skus) if p.skus else "",
        "id": str(rng.choice(p.ids)) if p.ids else "",
        "seq": str(p.seq + n),
    }
    if p.lines:
        chosen = _distinct(p.skus, p.lines, rng.randrange(len(p.skus)))
        values["lines"] = ",".join(p.line.replace("{sku}", s) for s in chosen)

    def fill(template: str) -> str:
        return _SLOT.sub(lambda m: values[m.group(1)], template)

    return fill(p.path), (fill(p.body).encode() if p.body is not None else None)


# --- wrk ------------------------------------------------------------------------------------


def _lua_string(text: str) -> str:
    return f"[==[{text}]==]"


def _lua_expr(template: str, sku: str = "sku") -> str:
    parts: list[str] = []
    pos = 0
    for m in _SLOT.finditer(template):
        if m.start() > pos:
            parts.append(_lua_string(template[pos : m.start()]))
        parts.append({"sku": sku, "id": "id", "seq": "seq", "lines": "lines"}[m.group(1)])
        pos = m.end()
    if pos < len(template):
        parts.append(_lua_string(template[pos:]))
    return " .. ".join(parts) or '""'


def lua_script(p: Pattern, token: str) -> str:
    skus = ", ".join(_lua_string(s) for s in p.skus)
    ids = ", ".join(str(i) for i in p.ids)
    stride = max(1, len(p.skus) // max(p.lines, 1))
    headers = "nil"
    return f"""
local counter = 0
local prefix = {_lua_string(uuid.uuid4().hex[:12])}
local skus = {{{skus}}}
local ids = {{{ids}}}
math.randomseed(os.time())
wrk.method = {_lua_string(p.method)}
wrk.headers["Authorization"] = "Bearer " .. {_lua_string(token)}
wrk.headers["Content-Type"] = "application/json"
request = function()
  counter = counter + 1
  local sku = #skus > 0 and skus[math.random(#skus)] or ""
  local id = #ids > 0 and tostring(ids[math.random(#ids)]) or ""
  local seq = tostring({p.seq} + counter - 1)
  local lines = ""
  if {p.lines} > 0 then
    local parts = {{}}
    local start = math.random(#skus) - 1
    for k = 0, {p.lines} - 1 do
      local line_sku = skus[((start + k * {stride}) % #skus) + 1]
      parts[#parts + 1] = {_lua_expr(p.line, "line_sku")}
    end
    lines = table.concat(parts, ",")
  end
  if {"true" if p.keyed else "false"} then
    wrk.headers["Idempotency-Key"] = prefix .. "-" .. counter
  end
  local body = {_lua_expr(p.body) if p.body is not None else "nil"}
  return wrk.format(nil, {_lua_expr(p.path)}, {headers}, body)
end
"""


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not m:
        return float("nan")
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[m.group(2)]
    return float(m.group(1)) * scale


def run_wrk(
    url: str, p: Pattern, token: str, *, seconds: float, connections: int, cpu: str
) -> Result:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua_script(p, token))
    try:
        cmd = ["taskset", "-c", cpu, "wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s",
               "--latency", "--timeout", "10s", "-s", script.name, url]  # fmt: skip
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    finally:
        Path(script.name).unlink()
    done = re.search(r"(\d+) requests in ([\d.]+)(\w+)", out)
    if not done:
        raise RuntimeError(f"wrk said: {out}")
    took = _ms(done.group(2) + done.group(3)) / 1000
    lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errs = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(bad.group(1)) if bad else 0) + (sum(map(int, errs.groups())) if errs else 0)
    requests = int(done.group(1))
    p.seq += requests + 2 * connections  # requests cut off at the end may have used ids too
    return Result(requests, took, _ms(lat.get("50", "")), _ms(lat.get("99", "")), errors)


# --- asyncio client -------------------------------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection; enough of the protocol for our JSON answers."""

    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self.host, self.port = host, port
        self.head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, body: bytes | None = None, extra: str = ""
    ) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        length = f"Content-Length: {len(body)}\r\n" if body is not None else ""
        self.writer.write(
            (
                f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n{self.head}{extra}{length}\r\n"
            ).encode()
            + (body or b"")
        )
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("closed")
        status = int(status_line.split()[1])
        size = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                size = int(value)
        return status, await self.reader.readexactly(size)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def client_headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


async def _drive(url: str, p: Pattern, token: str, *, seconds: float, connections: int) -> Result:
    host, port = url.split("//", 1)[1].split(":")
    prefix = uuid.uuid4().hex[:12]
    latencies: list[float] = []
    errors = 0
    counter = 0
    rng = random.Random()
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal errors, counter
        conn = Connection(host, int(port), client_headers(token))
        try:
            while time.perf_counter() < deadline:
                n = counter
                counter += 1
                path, body = render(p, n, rng)
                extra = f"Idempotency-Key: {prefix}-{n}\r\n" if p.keyed else ""
                started = time.perf_counter()
                try:
                    status, _ = await conn.request(p.method, path, body, extra)
                except (OSError, ConnectionError, asyncio.IncompleteReadError):
                    errors += 1
                    conn.close()
                    continue
                latencies.append(time.perf_counter() - started)
                if status >= 400:
                    errors += 1
        finally:
            conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    took = time.perf_counter() - started
    p.seq += counter
    ordered = sorted(latencies) or [float("nan")]
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000  # noqa: E731
    return Result(len(latencies), took, pick(0.5), pick(0.99), errors)


def run_python(url: str, p: Pattern, token: str, *, seconds: float, connections: int) -> Result:
    return asyncio.run(_drive(url, p, token, seconds=seconds, connections=connections))


def have_wrk() -> bool:
    return shutil.which("wrk") is not None and shutil.which("taskset") is not None
