"""Processes of the services benchmark: real `erp serve` servers, their CPU and memory from
/proc, and the CPU of the machine's PostgreSQL and Redis servers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stat(pid: int) -> list[str]:
    # The command name may hold spaces: fields start after its closing parenthesis.
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        with suppress(OSError):
            todo += [int(c) for c in Path(f"/proc/{p}/task/{p}/children").read_text().split()]
    return out


def cpu_seconds(pids: Iterable[int], *, reaped: Iterable[int] = ()) -> float:
    """User + system CPU of the process trees of `pids`; for `reaped` also what their exited
    children used (a PostgreSQL backend that ends moves its time to the postmaster)."""
    total = 0.0
    for p in {q for pid in pids for q in _tree(pid)}:
        with suppress(OSError, IndexError):
            fields = _stat(p)
            total += (int(fields[11]) + int(fields[12])) / TICK
    for p in reaped:
        with suppress(OSError, IndexError):
            fields = _stat(p)
            total += (int(fields[13]) + int(fields[14])) / TICK
    return total


def named(command: str) -> list[int]:
    """Processes whose command name is `command`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with suppress(OSError):
                if (entry / "comm").read_text().strip() == command:
                    found.append(int(entry.name))
    return found


class Machine:
    """The CPU of the database and Redis servers the rows share (not pinned, not ours)."""

    def __init__(self) -> None:
        self.postgres = named("postgres")
        # The postmaster is the postgres process whose parent is no postgres process.
        self.postmaster = [p for p in self.postgres if int(_stat(p)[1]) not in self.postgres]
        self.redis = named("redis-server")

    def sample(self) -> tuple[float, float]:
        """(PostgreSQL CPU seconds, Redis CPU seconds) so far."""
        pg = cpu_seconds(self.postmaster, reaped=self.postmaster)
        return pg, cpu_seconds(self.redis)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def erp_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "erp", *args]


def http_status(url: str, timeout: float = 1.0) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError:
        return None


class Server:
    """One `erp serve SERVICE` process on the server core, its log in `log_dir`."""

    def __init__(
        self, service: str, env: dict[str, str], log_dir: Path, *, cpu: str | None = None
    ) -> None:
        self.service = service
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log_dir / f"{service}-{self.port}.log"
        full = {**os.environ, **env, "ERP_PORT": str(self.port), "ERP_HOST": "127.0.0.1"}
        pin = ["taskset", "-c", cpu] if cpu else []
        with self.log.open("wb") as out:
            self.started = time.perf_counter()
            self.proc = subprocess.Popen(
                [*pin, *erp_command("serve", service)],
                env=full,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.pid = self.proc.pid

    def wait_ready(self, timeout: float = 60.0, interval: float = 0.05) -> float:
        """Seconds from launch to the first /readyz 200."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.service} exited: {self.tail()}")
            if http_status(self.url + "/readyz", timeout=0.5) == 200:
                return time.perf_counter() - self.started
            time.sleep(interval)
        raise RuntimeError(f"{self.service} not ready in {timeout}s: {self.tail()}")

    def tail(self) -> str:
        with suppress(OSError):
            return self.log.read_text(errors="replace")[-3000:]
        return ""

    def cpu(self) -> float:
        return cpu_seconds([self.pid])

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
