"""Inventory settings: the platform's, how long a reservation holds by default, and how far a
receipt may pass what a purchase order line ordered."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from erp.inventory.schemas.reservations import MAX_HOLD_SECONDS
from erp.platform.settings import ServiceSettings

DEFAULT_HOLD_SECONDS = 900


class InventorySettings(ServiceSettings):
    # ERP_RESERVATION_HOLD_SECONDS: a reservation created without a duration lasts this long.
    reservation_hold_seconds: int = Field(DEFAULT_HOLD_SECONDS, ge=1, le=MAX_HOLD_SECONDS)
    # ERP_RECEIPT_TOLERANCE_PERCENT: receipts against a purchase order line may bring in up to
    # this share more than it ordered (suppliers round to full packs); 0 allows none.
    receipt_tolerance_percent: Decimal = Field(
        Decimal(0), ge=0, le=1000, max_digits=6, decimal_places=2, allow_inf_nan=False
    )
