"""A bad or missing ERP_* value stops the process with one line naming it and exit code 2."""

from __future__ import annotations

import os
import secrets
import subprocess
from pathlib import Path

import pytest

from erp import registry
from erp.finance.config import FinanceSettings
from erp.gateway.config import GatewaySettings
from erp.inventory.config import InventorySettings
from erp.platform import settings as platform_settings
from erp.platform.settings import (
    ServiceSettings,
    SettingsError,
    known_env_vars,
    load_settings,
    shannon_entropy,
    unknown_env_vars,
)
from erp.reporting.config import ReportingSettings
from tests.support.processes import erp_command

PRODUCTION_SECRET = "vK3q9Zp2Lx7Rt4Nw8Ys1Hc6Bd0Fg5Jm-Qe"


@pytest.fixture
def no_erp_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("ERP_") or name == "DAPR_HTTP_PORT":
            monkeypatch.delenv(name)


@pytest.mark.parametrize(
    ("env", "named", "service"),
    [
        ({"ERP_PORT": "eighty"}, "ERP_PORT", "inventory"),
        ({"ERP_PORT": "70000"}, "ERP_PORT", "inventory"),
        ({"ERP_EVENT_TRANSPORT": "kafka"}, "ERP_EVENT_TRANSPORT", "inventory"),
        ({"ERP_LOG_LEVEL": "LOUD"}, "ERP_LOG_LEVEL", "inventory"),
        ({"ERP_DRAIN_TIMEOUT_SECONDS": "-1"}, "ERP_DRAIN_TIMEOUT_SECONDS", "inventory"),
        ({"ERP_DATABASE_URL": "mysql://x"}, "ERP_DATABASE_URL", "inventory"),
        ({"ERP_INVENTORY_URL": "inventory:8000"}, "ERP_INVENTORY_URL", "finance"),
        ({"ERP_REPORTING_URL": "reporting:8000"}, "ERP_REPORTING_URL", "gateway"),
        ({"ERP_BASE_CURRENCY": "usd"}, "ERP_BASE_CURRENCY", "finance"),
        ({"ERP_DAPR_STATESTORE_NAME": ""}, "ERP_DAPR_STATESTORE_NAME", "reporting"),
        ({"ERP_ENVIRONMENT": "production"}, "ERP_JWT_SECRET", "inventory"),
        ({"ERP_EVENT_TRANSPORT": "redis"}, "ERP_REDIS_URL", "inventory"),
        # Production refuses known, short and low-entropy secrets.
        (
            {
                "ERP_ENVIRONMENT": "production",
                "ERP_JWT_SECRET": "REPLACE-ME-jwt-secret-at-least-32-chars",
            },
            "ERP_JWT_SECRET",
            "inventory",
        ),
        (
            {"ERP_ENVIRONMENT": "production", "ERP_JWT_SECRET": PRODUCTION_SECRET[:31]},
            "ERP_JWT_SECRET",
            "inventory",
        ),
        (
            {"ERP_ENVIRONMENT": "production", "ERP_JWT_SECRET": "abab" * 10},
            "ERP_JWT_SECRET",
            "inventory",
        ),
        (
            {
                "ERP_ENVIRONMENT": "production",
                "ERP_JWT_SECRET": PRODUCTION_SECRET,
                "ERP_ADMIN_PASSWORD": "changeme",
            },
            "ERP_ADMIN_PASSWORD",
            "gateway",
        ),
    ],
)
def test_bad_setting_exits_2_with_one_line(
    tmp_path: Path, env: dict[str, str], named: str, service: str
) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ERP_")}
    result = subprocess.run(
        erp_command("serve", service),
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
    # A secret's value never reaches the log.
    for name in ("ERP_JWT_SECRET", "ERP_ADMIN_PASSWORD"):
        if env.get(name):
            assert env[name] not in lines[0]


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
        "ERP_BASE_CURRENCY",
        "ERP_DAPR_PUBSUB_NAME",
        "ERP_DAPR_STATESTORE_NAME",
        "ERP_DAPR_HTTP_PORT",
    }
    assert documented <= known_env_vars(*registry.settings_classes())


def test_registry_finds_every_services_settings_from_its_config_module() -> None:
    declared = {registry.load(name).settings_cls for name in registry.names()}
    assert set(registry.settings_classes()) == declared


# Each service's own variables: read by that service's settings, not by the platform's.
OWN_VARIABLES = {
    GatewaySettings: {
        "ERP_INVENTORY_URL",
        "ERP_FINANCE_URL",
        "ERP_REPORTING_URL",
        "ERP_GATEWAY_URL",
        "ERP_JWT_PRIVATE_KEY",
    },
    FinanceSettings: {"ERP_BASE_CURRENCY", "ERP_INVENTORY_URL"},
    ReportingSettings: {"ERP_DAPR_STATESTORE_NAME", "ERP_REPORTING_CACHE_TTL_SECONDS"},
    InventorySettings: set(),
}


@pytest.mark.parametrize("cls", list(OWN_VARIABLES), ids=lambda c: c.__name__)
def test_each_service_reads_its_own_variables(cls: type[ServiceSettings]) -> None:
    platform = known_env_vars(ServiceSettings)
    own = known_env_vars(cls) - platform
    assert OWN_VARIABLES[cls] <= own
    others = set().union(*(v for k, v in OWN_VARIABLES.items() if k is not cls))
    assert not (others - OWN_VARIABLES[cls]) & own


def test_the_platform_names_no_service() -> None:
    assert not any(
        field.endswith("_url") and field not in ("database_url", "redis_url")
        for field in ServiceSettings.model_fields
    )
    source = Path(platform_settings.__file__).read_text().lower()
    for name in registry.names():
        assert name not in source
    from erp.platform import launch

    assert "registry" not in Path(launch.__file__).read_text()


def test_unknown_variables_are_those_no_service_reads(
    no_erp_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each of these is read by one service only; together they are all known.
    for name in ("ERP_BASE_CURRENCY", "ERP_DAPR_STATESTORE_NAME", "ERP_GATEWAY_URL"):
        monkeypatch.setenv(name, "x")
    monkeypatch.setenv("ERP_BASE_CURENCY", "EUR")
    assert unknown_env_vars(known_env_vars(*registry.settings_classes())) == ["ERP_BASE_CURENCY"]
    assert "ERP_BASE_CURRENCY" in unknown_env_vars(known_env_vars(InventorySettings))


@pytest.mark.parametrize("cls", list(OWN_VARIABLES), ids=lambda c: c.__name__)
def test_every_service_reads_the_dapr_port_alike(
    cls: type[ServiceSettings], no_erp_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cls().dapr_http_port == 3500
    monkeypatch.setenv("ERP_DAPR_HTTP_PORT", "3600")
    assert cls().dapr_http_port == 3600
    monkeypatch.setenv("DAPR_HTTP_PORT", "3700")  # the sidecar's own variable wins
    assert cls().dapr_http_port == 3700


@pytest.mark.parametrize("variable", ["DAPR_HTTP_PORT", "ERP_DAPR_HTTP_PORT"])
def test_a_bad_dapr_port_is_named_as_set(
    variable: str,
    no_erp_env: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(variable, "port")
    with pytest.raises(SettingsError) as raised:
        load_settings(ReportingSettings)
    assert raised.value.line.startswith(f"invalid setting {variable}:")


def test_service_urls_are_checked_and_trimmed(no_erp_env: None) -> None:
    gateway = GatewaySettings(finance_url="http://finance:8000/", reporting_url="")
    assert gateway.service_url("finance") == "http://finance:8000"
    assert gateway.service_url("reporting") is None
    assert FinanceSettings(inventory_url="https://inventory/").inventory_url == "https://inventory"
    with pytest.raises(ValueError, match="http"):
        FinanceSettings(inventory_url="inventory:8000")


def _refusal(capsys: pytest.CaptureFixture[str], **values: str) -> str:
    with pytest.raises(SettingsError) as raised:
        load_settings(ServiceSettings, environment="production", **values)
    assert raised.value.code == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines == [f"erp: {raised.value.line}"]
    return raised.value.line


PLACEHOLDERS = [
    "REPLACE-ME",
    "changeme",
    "ChangeMe",
    "secret",
    "password",
    "Admin",
    "REPLACE-ME-jwt-secret-at-least-32-chars",
    "please-change-me-to-something-random-0123456789",
    "an-example-secret-Zp2Lx7Rt4Nw8Ys1Hc6Bd0Fg5Jm",
]


@pytest.mark.parametrize("value", PLACEHOLDERS)
@pytest.mark.parametrize("variable", ["jwt_secret", "admin_password"])
def test_production_refuses_a_placeholder(
    value: str, variable: str, no_erp_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    values = {"jwt_secret": PRODUCTION_SECRET, variable: value}
    line = _refusal(capsys, **values)
    assert f"ERP_{variable.upper()} is a known placeholder" in line
    assert value not in line


@pytest.mark.parametrize("variable", ["jwt_secret", "admin_password"])
def test_production_refuses_a_short_secret(
    variable: str, no_erp_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    values = {"jwt_secret": PRODUCTION_SECRET, variable: secrets.token_urlsafe(40)[:31]}
    line = _refusal(capsys, **values)
    assert f"ERP_{variable.upper()} is shorter than 32 characters" in line


@pytest.mark.parametrize("value", ["a" * 40, "abab" * 10, "0123456" * 6, "Aa1!" * 10])
@pytest.mark.parametrize("variable", ["jwt_secret", "admin_password"])
def test_production_refuses_a_low_entropy_secret(
    value: str, variable: str, no_erp_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert shannon_entropy(value) < 3.0
    values = {"jwt_secret": PRODUCTION_SECRET, variable: value}
    line = _refusal(capsys, **values)
    assert f"ERP_{variable.upper()} has under 3 bits of entropy per character" in line


def test_production_still_requires_a_jwt_secret_with_hs256(
    no_erp_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "ERP_JWT_SECRET must be set" in _refusal(capsys)


def test_production_accepts_random_secrets(no_erp_env: None) -> None:
    for _ in range(20):
        jwt_secret, admin_password = secrets.token_urlsafe(30), secrets.token_urlsafe(30)
        assert len(jwt_secret) == 40
        settings = load_settings(
            ServiceSettings,
            environment="production",
            jwt_secret=jwt_secret,
            admin_password=admin_password,
        )
        assert settings.jwt_secret is not None
        assert settings.jwt_secret.get_secret_value() == jwt_secret


@pytest.mark.parametrize("value", ["changeme", "REPLACE-ME", "x", "a" * 40])
def test_development_accepts_any_secret(value: str, no_erp_env: None) -> None:
    settings = load_settings(ServiceSettings, jwt_secret=value, admin_password=value)
    assert settings.environment == "development"
