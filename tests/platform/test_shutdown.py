"""Graceful shutdown of a real `erp serve` process, as Kubernetes drives it
(docs/architecture.md, "Runtime contract")."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import httpx

from erp.platform.auth import mint_token
from tests.support.processes import erp_command, erp_process, status_of, wait_until

SECRET = "shutdown-test-secret-0123456789-0123456789"
DELAY, DRAIN = 2.0, 6.0


def _migrated_env(tmp_path: Path, delay: float, drain: float) -> dict[str, str]:
    """The environment of an inventory process whose SQLite database is migrated."""
    env = {
        "ERP_DATA_DIR": str(tmp_path),
        "ERP_JWT_SECRET": SECRET,
        "ERP_SHUTDOWN_DELAY_SECONDS": str(delay),
        "ERP_DRAIN_TIMEOUT_SECONDS": str(drain),
    }
    subprocess.run(
        erp_command("migrate", "inventory"),
        env={**os.environ, **env},
        check=True,
        capture_output=True,
        timeout=60,
    )
    return env


def test_sigterm_turns_unready_keeps_serving_then_drains_and_exits_zero(tmp_path: Path) -> None:
    env = _migrated_env(tmp_path, DELAY, DRAIN)
    token = mint_token(SECRET, subject="t", roles=["admin"])
    with erp_process(["serve", "inventory"], env, tmp_path) as server:
        server.wait_ready()
        body = b'{"code": "SLOW", "name": "held in flight"}'
        # An in-flight request: headers and half the body now, the rest during the drain.
        held = socket.create_connection(("127.0.0.1", server.port))
        held.sendall(
            b"POST /warehouses HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Authorization: Bearer {token}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body[:10]
        )
        time.sleep(0.3)

        server.terminate()
        signalled = time.monotonic()
        assert wait_until(lambda: status_of(server.url + "/readyz") == 503, 1.0), (
            "readiness must fail at once"
        )
        # Still serving new requests during the delay (endpoints are being removed).
        assert status_of(server.url + "/healthz") == 200
        listed = httpx.get(server.url + "/items", headers={"Authorization": f"Bearer {token}"})
        assert listed.status_code == 200
        assert server.proc.poll() is None

        time.sleep(max(0.0, DELAY + 0.5 - (time.monotonic() - signalled)))
        assert server.proc.poll() is None, "in-flight request must hold the drain open"
        held.sendall(body[10:])
        response = held.recv(65536).decode()
        held.close()
        assert response.startswith("HTTP/1.1 201"), response

        server.proc.wait(timeout=DELAY + DRAIN + 2)
        elapsed = time.monotonic() - signalled
        assert server.proc.returncode == 0, server.log.read_text()[-2000:]
        assert elapsed < DELAY + DRAIN + 1.5
        assert status_of(server.url + "/healthz") is None, "no longer listening"
    log = server.log.read_text()
    assert '"shutdown_started"' in log and '"service_stopped"' in log


def test_shutdown_without_in_flight_work_exits_right_after_the_delay(tmp_path: Path) -> None:
    env = _migrated_env(tmp_path, 0, 30)
    with erp_process(["serve", "inventory"], env, tmp_path) as server:
        server.wait_ready()
        # An idle keep-alive connection must not hold shutdown for the whole drain timeout.
        with httpx.Client() as keepalive:
            assert keepalive.get(server.url + "/healthz").status_code == 200
            started = time.monotonic()
            server.terminate()
            server.proc.wait(timeout=10)
        assert server.proc.returncode == 0
        assert time.monotonic() - started < 5
