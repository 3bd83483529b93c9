"""Inventory settings: the platform's, nothing of its own yet (it calls no other service)."""

from __future__ import annotations

from erp.platform.settings import ServiceSettings


class InventorySettings(ServiceSettings):
    pass
