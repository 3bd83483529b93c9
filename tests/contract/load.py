"""Constant load from client threads, counting every failed request (and, with GapLoad, the
longest time without a successful answer)."""

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
                    self._record(time.monotonic(), error)

    def _record(self, now: float, error: str | None) -> None:
        """One answer, under the lock (what a subclass measures besides the counts)."""

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


@dataclass
class GapLoad(Load):
    """Load that also measures the longest gap between two successful responses (any worker)."""

    longest_gap: float = 0.0
    # (seconds since start, what) of every failure and of each step the test marks: a failure
    # names the step it happened in.
    timeline: list[tuple[float, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__post_init__()
        self._last_ok = 0.0
        self._started = time.monotonic()
        self._mark = (0, 0)

    def mark(self, step: str) -> None:
        with self._lock:
            self.timeline.append((time.monotonic() - self._started, f"-- {step}"))

    def _record(self, now: float, error: str | None) -> None:
        if error:
            self.timeline.append((now - self._started, error))
        else:
            if self._last_ok:
                self.longest_gap = max(self.longest_gap, now - self._last_ok)
            self._last_ok = now

    def start(self) -> None:
        self._started = self._last_ok = time.monotonic()
        super().start()

    def story(self) -> str:
        """The timeline around the failures, for an assertion message."""
        return "\n".join(f"{t:7.2f}s {what}" for t, what in self.timeline)

    def checkpoint(self) -> tuple[int, int, float]:
        """(requests, failures, longest gap) since the previous checkpoint; starts a new window."""
        with self._lock:
            now = time.monotonic()
            gap = max(self.longest_gap, now - self._last_ok)
            figures = (self.sent - self._mark[0], len(self.failures) - self._mark[1], gap)
            self._mark = (self.sent, len(self.failures))
            self.longest_gap = 0.0
            return figures
