"""Where a server's time goes: py-spy samples of the running process (its own run, apart from
the measured one), summed by library (the leaf frame's package: where the CPU is spent) and by
our functions (every sample whose stack passes through them)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")

# Leaf frame's file → what the CPU was spent on. First match wins.
_PARTS = (
    ("erp/platform/events/", "erp events"),
    ("erp/platform/", "erp platform"),
    ("erp/inventory/", "erp inventory"),
    ("erp/finance/", "erp finance"),
    ("erp/reporting/", "erp reporting"),
    ("erp/contracts/", "erp contracts"),
    ("erp/gateway/", "erp gateway"),
    ("sqlalchemy/", "sqlalchemy"),
    ("asyncpg/", "asyncpg"),
    ("pydantic", "pydantic"),
    ("fastapi/", "fastapi"),
    ("starlette/", "starlette"),
    ("uvicorn/", "uvicorn"),
    ("structlog/", "structlog"),
    ("logging/", "logging"),
    ("prometheus_client/", "prometheus"),
    ("redis/", "redis"),
    ("json/", "json"),
    ("asyncio/", "asyncio"),
    ("uvloop/", "asyncio"),
    ("aiosqlite/", "aiosqlite"),
    ("sqlite3/", "aiosqlite"),
    ("anyio/", "anyio"),
)


def py_spy() -> str | None:
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


def part_of(file: str) -> str:
    for needle, name in _PARTS:
        if needle in file:
            return name
    return "other"


@dataclass
class Profile:
    samples: int = 0
    parts: Counter[str] = field(default_factory=Counter)  # leaf's library → samples
    ours: Counter[str] = field(default_factory=Counter)  # erp function → samples through it
    leaves: Counter[str] = field(default_factory=Counter)  # leaf function → samples
    error: str | None = None

    def share(self, n: int) -> str:
        return f"{100 * n / self.samples:.0f}%" if self.samples else "-"

    def summary(self, top: int = 5) -> str:
        """One line for the table: libraries by self time."""
        if self.error:
            return self.error
        return " · ".join(f"{name} {self.share(n)}" for name, n in self.parts.most_common(top))

    def details(self, top: int = 8) -> list[str]:
        if self.error or not self.samples:
            return [self.error or "no samples"]
        lines = [f"{self.samples} samples; by library (self): {self.summary(12)}"]
        lines.append(
            "our functions (inclusive): "
            + "; ".join(f"`{f}` {self.share(n)}" for f, n in self.ours.most_common(top))
        )
        lines.append(
            "hottest leaves (self): "
            + "; ".join(f"`{f}` {self.share(n)}" for f, n in self.leaves.most_common(top))
        )
        return lines


def _name(frame: str) -> tuple[str, str]:
    m = _FRAME.match(frame.strip())
    if not m:
        return frame.strip(), ""
    return m.group("func"), m.group("file")


def parse(text: str) -> Profile:
    """py-spy's raw (collapsed) output: `frame;frame;...;leaf count` per line."""
    profile = Profile()
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [_name(f) for f in stack.split(";")]
        func, file = frames[-1]
        profile.samples += n
        profile.parts[part_of(file)] += n
        profile.leaves[f"{func} ({Path(file).name})"] += n
        seen = set()
        for func, file in frames:
            if "erp/" in file and func not in seen:
                seen.add(func)
                profile.ours[func] += n
    # The entry points every request passes through say nothing about where time goes.
    for wrapper in ("RequestContextMiddleware.__call__", "<module>", "main", "run", "serve_one"):
        profile.ours.pop(wrapper, None)
    return profile


def start(pid: int, seconds: float, out: Path, rate: int = 250) -> subprocess.Popen[bytes] | None:
    """Begin sampling `pid` for `seconds`; None when py-spy is not installed."""
    binary = py_spy()
    if binary is None:
        return None
    cmd = [binary, "record", "-p", str(pid), "-d", str(max(1, round(seconds))), "-r", str(rate),
           "-f", "raw", "-o", str(out), "--nonblocking"]  # fmt: skip
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def finish(proc: subprocess.Popen[bytes] | None, out: Path) -> Profile:
    if proc is None:
        return Profile(error="py-spy not installed")
    _, err = proc.communicate(timeout=60)
    if proc.returncode != 0 or not out.exists():
        return Profile(error=f"py-spy failed: {err.decode(errors='replace')[-200:]}")
    return parse(out.read_text())
