"""Reachability of the machine's PostgreSQL and Redis: required in CI, optional elsewhere."""

from __future__ import annotations

import os
import socket

import pytest

PG_HOST, PG_PORT = os.environ.get("ERP_TEST_PG_HOST", "127.0.0.1"), 5432
REDIS_HOST, REDIS_PORT = os.environ.get("ERP_TEST_REDIS_HOST", "127.0.0.1"), 6379
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require(name: str, host: str, port: int) -> None:
    """Fail in CI (the server must be there), skip with one line elsewhere."""
    if reachable(host, port):
        return
    message = f"{name} not reachable on {host}:{port}"
    if IN_CI:
        pytest.fail(f"{message} (required when CI=true)")
    pytest.skip(message)
