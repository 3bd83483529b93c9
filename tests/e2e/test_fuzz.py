"""Requests generated from the combined OpenAPI document, sent through the gateway of `erp up`
to every service: whatever they contain, none may get a 5xx."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from tests.support.processes import erp_process

PASSWORD = "fuzz-admin-password-0123"


def test_no_generated_request_gets_a_server_error(tmp_path: Path) -> None:
    env = {
        "ERP_DATA_DIR": str(tmp_path / "data"),
        "ERP_ADMIN_PASSWORD": PASSWORD,
        # One client sends thousands of requests: lift the edge quotas, not what is tested.
        "ERP_RATE_LIMIT_USER_PER_SECOND": "100000",
        "ERP_RATE_LIMIT_IP_PER_SECOND": "100000",
    }
    with erp_process(["up"], env, tmp_path) as system:
        system.wait_ready(timeout=60)
        login = httpx.post(
            system.url + "/auth/token", data={"username": "admin", "password": PASSWORD}
        )
        token = login.json()["access_token"]
        run = subprocess.run(
            [
                str(Path(sys.executable).parent / "schemathesis"), "run",
                f"{system.url}/openapi.json",
                "--header", f"Authorization: Bearer {token}",
                "--checks", "not_a_server_error",
                "--max-examples", "30",
                "--seed", "20261125",
                "--workers", "2",
                "--no-color",
                # Logging out or disabling the admin would turn the rest into 401s.
                "--exclude-path", "/auth/logout",
                "--exclude-path-regex", "/users",
            ],
            # Its cache of crashes goes to the working directory: keep it out of the checkout.
            cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
    tested = [ln for ln in run.stdout.splitlines() if ln.strip().startswith("Tested:")]
    assert tested and int(tested[0].split()[-1]) >= 40, run.stdout[-3000:]
    assert run.returncode == 0, run.stdout[-6000:]
