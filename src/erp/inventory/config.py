"""Inventory settings: the platform's, nothing of its own yet."""

from __future__ import annotations

from erp.platform.settings import ServiceSettings


class InventorySettings(ServiceSettings):
    pass
