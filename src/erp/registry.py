"""The services this package can run, imported only when asked for (fast CLI start)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the CLI names the services without importing the platform (FastAPI...)
    from erp.platform.service import ServiceSpec
    from erp.platform.settings import ServiceSettings

SPECS = {
    "gateway": "erp.gateway.main:SPEC",
    "inventory": "erp.inventory.main:SPEC",
    "finance": "erp.finance.main:SPEC",
    "reporting": "erp.reporting.main:SPEC",
}
SERVICE_NAMES: tuple[str, ...] = tuple(SPECS)


def names() -> list[str]:
    return list(SPECS)


def load(name: str) -> ServiceSpec:
    module, _, attr = SPECS[name].partition(":")
    spec: ServiceSpec = getattr(importlib.import_module(module), attr)
    return spec


def settings_classes() -> list[type[ServiceSettings]]:
    """Every service's settings class, from its small `config` module: knowing which ERP_*
    variables exist must not cost importing every service at start-up."""
    from erp.platform.settings import ServiceSettings

    found: list[type[ServiceSettings]] = []
    for name in SPECS:
        module = importlib.import_module(f"erp.{name}.config")
        found += [
            value
            for value in vars(module).values()
            if isinstance(value, type)
            and issubclass(value, ServiceSettings)
            and value.__module__ == module.__name__
        ]
    return found
