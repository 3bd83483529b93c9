"""Assembles the inventory service (no logic here)."""

from __future__ import annotations

from erp.inventory.api import routers
from erp.inventory.config import InventorySettings
from erp.inventory.events.handlers import SUBSCRIPTIONS
from erp.inventory.models import metadata
from erp.platform.db.migrations import MigrationSet
from erp.platform.service import ServiceSpec

SPEC = ServiceSpec(
    name="inventory",
    title="erp-system inventory",
    settings_cls=InventorySettings,
    migrations=MigrationSet("inventory", "erp.inventory:migrations", metadata),
    routers=routers,
    subscriptions=SUBSCRIPTIONS,
)
