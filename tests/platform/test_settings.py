"""A bad or missing ERP_* value stops the process with one line naming it and exit code 2."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from erp.platform.settings import ServiceSettings, known_env_vars
from tests.support.processes import erp_command


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"ERP_PORT": "eighty"}, "ERP_PORT"),
        ({"ERP_PORT": "70000"}, "ERP_PORT"),
        ({"ERP_EVENT_TRANSPORT": "kafka"}, "ERP_EVENT_TRANSPORT"),
        ({"ERP_LOG_LEVEL": "LOUD"}, "ERP_LOG_LEVEL"),
        ({"ERP_DRAIN_TIMEOUT_SECONDS": "-1"}, "ERP_DRAIN_TIMEOUT_SECONDS"),
        ({"ERP_DATABASE_URL": "mysql://x"}, "ERP_DATABASE_URL"),
        ({"ERP_INVENTORY_URL": "inventory:8000"}, "ERP_INVENTORY_URL"),
        ({"ERP_ENVIRONMENT": "production"}, "ERP_JWT_SECRET"),
        ({"ERP_EVENT_TRANSPORT": "redis"}, "ERP_REDIS_URL"),
    ],
)
def test_bad_setting_exits_2_with_one_line(tmp_path: Path, env: dict[str, str], named: str) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ERP_")}
    result = subprocess.run(
        erp_command("serve", "inventory"),
        env={**clean, "ERP_DATA_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, result.stderr
    assert named in lines[0]


def test_unknown_service_exits_2(tmp_path: Path) -> None:
    result = subprocess.run(
        erp_command("serve", "payroll"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "ERP_DATA_DIR": str(tmp_path)},
    )
    assert result.returncode == 2
    assert "payroll" in result.stderr


def test_known_env_vars_cover_the_documented_contract() -> None:
    documented = {
        "ERP_PORT",
        "ERP_DATABASE_URL",
        "ERP_DATA_DIR",
        "ERP_REDIS_URL",
        "ERP_EVENT_TRANSPORT",
        "ERP_JWT_SECRET",
        "ERP_LOG_LEVEL",
        "ERP_SHUTDOWN_DELAY_SECONDS",
        "ERP_DRAIN_TIMEOUT_SECONDS",
        "ERP_ADMIN_PASSWORD",
        "ERP_INVENTORY_URL",
        "ERP_FINANCE_URL",
        "ERP_REPORTING_URL",
        "ERP_GATEWAY_URL",
    }
    assert documented <= known_env_vars(ServiceSettings)


def test_registry_finds_every_services_settings_from_its_config_module() -> None:
    from erp import registry

    declared = {registry.load(name).settings_cls for name in registry.names()}
    assert set(registry.settings_classes()) == declared
