"""README promise: `make run` serves /healthz within 15 s, logs the bootstrap admin in, and keeps
data across a restart."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import httpx

from tests.support.processes import free_port, status_of, wait_until

ROOT = Path(__file__).resolve().parents[1]


def _start(port: int, data: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "ERP_PORT": str(port),
        "ERP_DATA_DIR": str(data),
        "ERP_SHUTDOWN_DELAY_SECONDS": "0",
        "ERP_ADMIN_PASSWORD": "make-run-admin-pass",
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            ["make", "--no-print-directory", "run"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


def test_make_run_answers_within_15_seconds_and_keeps_data(tmp_path: Path) -> None:
    assert shutil.which("make")
    port, log = free_port(), tmp_path / "run.log"
    proc = _start(port, tmp_path / "var", log)
    url = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    try:
        assert wait_until(lambda: status_of(url + "/healthz") == 200, 15), log.read_text()
        assert time.monotonic() - started < 15
        token = subprocess.run(
            [str(ROOT / ".venv/bin/erp"), "token", "--role", "admin"],
            env={**os.environ, "ERP_DATA_DIR": str(tmp_path / "var")},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        headers = {"Authorization": f"Bearer {token}"}
        created = httpx.post(
            url + "/api/inventory/warehouses",
            headers=headers,
            json={"code": "KEEP", "name": "kept"},
        )
        assert created.status_code == 201, created.text
        login = httpx.post(
            url + "/auth/token", data={"username": "admin", "password": "make-run-admin-pass"}
        )
        assert login.status_code == 200, login.text
        assert login.json()["token_type"] == "bearer"
        user_token = login.json()["access_token"]
        listed = httpx.get(
            url + "/api/inventory/warehouses", headers={"Authorization": f"Bearer {user_token}"}
        )
        assert listed.status_code == 200, listed.text
    finally:
        _stop(proc)
    proc = _start(port, tmp_path / "var", log)
    try:
        assert wait_until(lambda: status_of(url + "/healthz") == 200, 15), log.read_text()
        kept = httpx.get(url + "/api/inventory/warehouses/KEEP", headers=headers)
        assert kept.status_code == 200, "data survives a restart"
        # As behind the Ingress: the dashboard's sign-in page is open, its figures are not.
        page = httpx.get(url + "/dashboard")
        assert page.status_code == 200 and "<form" in page.text
        assert httpx.get(url + "/reports/trial-balance").status_code == 401
        report = httpx.get(url + "/reports/trial-balance", headers=headers)
        assert report.status_code == 200, report.text
    finally:
        _stop(proc)
