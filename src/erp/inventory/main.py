"""Assembles the inventory service (no logic here)."""

from __future__ import annotations

from erp.inventory.api import routers
from erp.inventory.config import InventorySettings
from erp.inventory.events.handlers import SUBSCRIPTIONS
from erp.inventory.models import metadata
from erp.platform.assembly import service_spec

SPEC = service_spec("inventory", InventorySettings, metadata, routers, subscriptions=SUBSCRIPTIONS)
