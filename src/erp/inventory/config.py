"""Inventory settings: the platform's, and how long a reservation holds by default."""

from __future__ import annotations

from pydantic import Field

from erp.inventory.schemas.reservations import MAX_HOLD_SECONDS
from erp.platform.settings import ServiceSettings

DEFAULT_HOLD_SECONDS = 900


class InventorySettings(ServiceSettings):
    # ERP_RESERVATION_HOLD_SECONDS: a reservation created without a duration lasts this long.
    reservation_hold_seconds: int = Field(DEFAULT_HOLD_SECONDS, ge=1, le=MAX_HOLD_SECONDS)
