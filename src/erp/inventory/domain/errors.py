"""Inventory's domain errors (the platform maps them to problem+json)."""

from __future__ import annotations

from decimal import Decimal

from erp.platform.errors import Conflict


class InsufficientStock(Conflict):
    slug, title = "insufficient-stock", "Insufficient stock"

    def __init__(self, *, sku: str, warehouse: str, requested: Decimal, available: Decimal) -> None:
        super().__init__(
            f"insufficient stock of {sku} in {warehouse}: requested {requested}, "
            f"available {available}",
            sku=sku,
            warehouse=warehouse,
            requested=str(requested),
            available=str(available),
        )
