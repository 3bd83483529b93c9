"""Prometheus metrics shared by every service (one registry; `service` is a label so the
embedded mode can host all services in one process)."""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.requests import Request
from starlette.responses import Response

from erp import __version__

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUESTS = Counter(
    "erp_http_requests", "HTTP requests handled", ["service", "method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "erp_http_request_duration_seconds",
    "HTTP request latency",
    ["service", "method", "route"],
    buckets=LATENCY_BUCKETS,
)
HTTP_IN_FLIGHT = Gauge("erp_http_requests_in_flight", "Requests being handled", ["service"])
DB_POOL_IN_USE = Gauge("erp_db_pool_in_use", "Database connections checked out", ["service"])
DB_POOL_SIZE = Gauge("erp_db_pool_size", "Database pool size", ["service"])
BUILD_INFO = Gauge("erp_build_info", "Build information", ["service", "version"])


def register_build_info(service: str) -> None:
    BUILD_INFO.labels(service, __version__).set(1)


async def metrics_endpoint(request: Request) -> Response:
    refresh = getattr(request.app.state, "refresh_metrics", None)
    if refresh is not None:
        await refresh()
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
