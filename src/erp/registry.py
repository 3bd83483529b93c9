"""The services this package can run, imported only when asked for (fast CLI start)."""

from __future__ import annotations

import importlib

from erp.platform.service import ServiceSpec

SPECS = {
    "gateway": "erp.gateway.main:SPEC",
    "inventory": "erp.inventory.main:SPEC",
    "finance": "erp.finance.main:SPEC",
    "reporting": "erp.reporting.main:SPEC",
}


def names() -> list[str]:
    return list(SPECS)


def load(name: str) -> ServiceSpec:
    module, _, attr = SPECS[name].partition(":")
    spec: ServiceSpec = getattr(importlib.import_module(module), attr)
    return spec
