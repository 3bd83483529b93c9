"""Constant load from client threads, counting every failed request."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx


@dataclass
class Load:
    url: str
    headers: dict[str, str]
    workers: int = 4
    new_connection_per_request: bool = False
    sent: int = 0
    failures: list[str] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def _work(self) -> None:
        limits = httpx.Limits(max_keepalive_connections=0 if self.new_connection_per_request else 1)
        with httpx.Client(headers=self.headers, limits=limits, timeout=10) as client:
            while not self._stop.is_set():
                try:
                    status = client.get(self.url).status_code
                    # Served means 200: a 429 or 503 is a request the release failed to serve.
                    error = None if status == 200 else f"HTTP {status}"
                except httpx.HTTPError as exc:
                    status, error = 0, f"{type(exc).__name__}: {exc}"
                with self._lock:
                    self.sent += 1
                    self.statuses[status] += 1
                    if error:
                        self.failures.append(error)

    def start(self) -> None:
        self._threads = [
            threading.Thread(target=self._work, daemon=True) for _ in range(self.workers)
        ]
        for thread in self._threads:
            thread.start()

    def run_until(self, minimum: int, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while self.sent < minimum and time.monotonic() < deadline:
            time.sleep(0.1)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(15)
