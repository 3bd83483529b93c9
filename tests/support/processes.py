"""Real `erp` processes on free ports, for tests that need signals, exits and sockets."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def erp_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "erp", *args]


def wait_until(predicate, timeout: float, interval: float = 0.05) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def status_of(url: str) -> int | None:
    try:
        return httpx.get(url, timeout=1.0).status_code
    except httpx.HTTPError:
        return None


class ErpProcess:
    def __init__(self, proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.proc, self.port, self.log = proc, port, log
        self.url = f"http://127.0.0.1:{port}"

    def wait_ready(self, timeout: float = 20.0) -> None:
        if not wait_until(
            lambda: status_of(self.url + "/readyz") == 200 or self.proc.poll() is not None, timeout
        ):
            raise AssertionError(f"not ready in {timeout}s:\n{self.log.read_text()[-3000:]}")
        if self.proc.poll() is not None:
            raise AssertionError(f"exited {self.proc.returncode}:\n{self.log.read_text()[-3000:]}")

    def terminate(self) -> None:
        self.proc.send_signal(signal.SIGTERM)


@contextmanager
def erp_process(
    args: list[str], env: dict[str, str], tmp_path: Path, port: int | None = None
) -> Iterator[ErpProcess]:
    port = port or free_port()
    log = tmp_path / f"erp-{port}.log"
    full_env = {**os.environ, **env, "ERP_PORT": str(port), "ERP_HOST": "127.0.0.1"}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            erp_command(*args), env=full_env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        yield ErpProcess(proc, port, log)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


@contextmanager
def erp_up(
    tmp_path: Path, admin_password: str, *, timeout: float = 60, **env: str
) -> Iterator[ErpProcess]:
    """`erp up` as `make run` starts it, data under tmp_path/var, ready to serve; `env` adds
    or overrides settings."""
    settings = {
        "ERP_DATA_DIR": str(tmp_path / "var"),
        "ERP_ADMIN_PASSWORD": admin_password,
        "ERP_SHUTDOWN_DELAY_SECONDS": "0",
        "ERP_LOG_LEVEL": "WARNING",
        **env,
    }
    with erp_process(["up"], settings, tmp_path) as proc:
        proc.wait_ready(timeout=timeout)
        yield proc
