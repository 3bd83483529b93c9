"""Prometheus metrics of the proxy, with labelled children resolved once and reused."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram

SERVICE = "gateway"
BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def _existing(registry: CollectorRegistry, name: str) -> Any:
    # Another component of the same process (the control app) may have registered it already.
    return registry._names_to_collectors.get(name)


class ProxyMetrics:
    """Request count and latency by route, method and status; upstream state and retries;
    rate-limit fallback."""

    def __init__(
        self,
        registry: CollectorRegistry = REGISTRY,
        defer: Callable[[Callable[[], None]], Any] | None = None,
    ) -> None:
        self.requests = _existing(registry, "erp_http_requests_total") or Counter(
            "erp_http_requests",
            "HTTP requests answered",
            ["service", "method", "route", "status"],
            registry=registry,
        )
        self.duration = _existing(registry, "erp_http_request_duration_seconds") or Histogram(
            "erp_http_request_duration_seconds",
            "HTTP request duration",
            ["service", "method", "route"],
            buckets=BUCKETS,
            registry=registry,
        )
        self.upstream = _existing(registry, "erp_gateway_upstream_state") or Gauge(
            "erp_gateway_upstream_state",
            "Circuit breaker state per upstream: 0 closed, 1 open, 2 half-open",
            ["upstream"],
            registry=registry,
        )
        self.fallback = _existing(registry, "erp_gateway_ratelimit_fallback") or Gauge(
            "erp_gateway_ratelimit_fallback",
            "1 while rate limiting uses local buckets because Redis is unreachable",
            registry=registry,
        )
        self.fallback.set(0)
        self.retries = _existing(registry, "erp_gateway_upstream_retries_total") or Counter(
            "erp_gateway_upstream_retries",
            "Idempotent requests sent again: `stale` after a kept-alive connection closed "
            "unanswered, `failed` after a refused or unanswered new connection",
            ["upstream", "reason"],
            registry=registry,
        )
        self._children: dict[tuple[str, bytes, int], tuple[Any, Any]] = {}
        # Observations of one event-loop turn, added to the children in one go (`flush`).
        self._defer = defer
        self._pending: dict[tuple[str, bytes, int], list[Any]] = {}

    def _pair(self, key: tuple[str, bytes, int]) -> tuple[Any, Any]:
        pair = self._children.get(key)
        if pair is None:
            route, method, status = key
            m = method.decode("latin-1")
            pair = (
                self.requests.labels(SERVICE, m, route, str(status)),
                self.duration.labels(SERVICE, m, route),
            )
            if len(self._children) < 10_000:
                self._children[key] = pair
        return pair

    def record(self, route: str, method: bytes, status: int, seconds: float) -> None:
        """Count one answered request; the first of each label set resolves the children.

        With `defer` (the loop's call_soon), observations are summed per label set and reach
        the children at the start of the next loop turn, before any further I/O is handled
        (so before a scrape can read them).
        """
        key = (route, method, status)
        if self._defer is None:
            pair = self._pair(key)
            pair[0].inc()
            pair[1].observe(seconds)
            return
        pending = self._pending
        acc = pending.get(key)
        if acc is None:
            if not pending:
                self._defer(self.flush)
            bounds = self._pair(key)[1]._upper_bounds  # the histogram's own, +Inf last
            acc = pending[key] = [0, 0.0, [0] * len(bounds), bounds]
        acc[0] += 1
        acc[1] += seconds
        acc[2][bisect_left(acc[3], seconds)] += 1

    def flush(self) -> None:
        """Add the pending observations to the Prometheus children."""
        pending, self._pending = self._pending, {}
        for key, (count, total, buckets, _) in pending.items():
            counter, histogram = self._pair(key)
            counter.inc(count)
            histogram._sum.inc(total)
            values = histogram._buckets
            for i, n in enumerate(buckets):
                if n:
                    values[i].inc(n)

    def upstream_state(self, upstream: str, state: int) -> None:
        self.upstream.labels(upstream).set(state)

    def upstream_retry(self, upstream: str, reason: str) -> None:
        self.retries.labels(upstream, reason).inc()

    def ratelimit_fallback(self, on: bool) -> None:
        self.fallback.set(1 if on else 0)
