"""`erp finance verify` under the embedded default (`make run`): with only ERP_DATA_DIR set it
finds inventory's valuation by itself, while `erp up` runs and after it stopped."""

from __future__ import annotations

import os
import subprocess
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from erp.platform.auth import mint_token
from tests.support.processes import erp_command, erp_up, wait_until

pytestmark = pytest.mark.slow


def only_data_dir(data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ERP_")}
    return {**env, "ERP_DATA_DIR": str(data)}


def finance_verify(data: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        erp_command("finance", "verify"),
        env=only_data_dir(data),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def inventory_account(client: httpx.Client) -> Decimal:
    rows = client.get("/api/finance/trial-balance").json()["rows"]
    return sum((Decimal(r["balance"]) for r in rows if r["account"] == "1300"), Decimal(0))


def test_verify_finds_inventory_by_itself_in_the_embedded_system(tmp_path: Path) -> None:
    data = tmp_path / "var"
    with erp_up(tmp_path, "embedded-admin-pass", timeout=30) as system:
        token = mint_token((data / "jwt-secret").read_text().strip(), subject="t", roles=["admin"])
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=system.url, headers=headers, timeout=10) as client:
            for path, body in (
                ("/api/inventory/warehouses", {"code": "MAIN", "name": "Main warehouse"}),
                ("/api/inventory/items", {"sku": "BOLT-M6", "name": "Bolt M6", "uom": "ea"}),
                ("/api/inventory/movements", {"type": "receipt", "warehouse": "MAIN", "lines": [
                    {"sku": "BOLT-M6", "quantity": "100", "unit_cost": "0.12"}]}),
            ):  # fmt: skip
                answer = client.post(path, json=body)
                assert answer.status_code == 201, answer.text
            # Finance books the receipt from inventory's event.
            assert wait_until(lambda: inventory_account(client) == Decimal("12"), 15)

        running = finance_verify(data, tmp_path)
        assert running.returncode == 0, running.stdout + running.stderr
        assert "ok" in running.stdout and "12.00" in running.stdout, running.stdout
        assert "equals the inventory valuation" in " ".join(running.stdout.split())
        assert running.stderr == ""
        system.terminate()
        assert system.proc.wait(timeout=30) == 0

    stopped = finance_verify(data, tmp_path)
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    assert "12.00" in stopped.stdout


def test_verify_without_inventory_url_outside_the_embedded_default_says_what_to_set(
    tmp_path: Path,
) -> None:
    data = tmp_path / "var"
    env = only_data_dir(data)
    url = f"sqlite:///{tmp_path / 'finance.db'}"
    migrate = subprocess.run(
        erp_command("migrate", "finance"),
        env={**env, "ERP_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert migrate.returncode == 0, migrate.stderr
    result = subprocess.run(
        erp_command("finance", "verify"),
        env={**env, "ERP_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "ERP_INVENTORY_URL is not set" in result.stdout
