"""Inventory routes; this module only gathers the routers."""

from __future__ import annotations

from fastapi import APIRouter

from erp.inventory.api import items, movements, purchase_orders, reservations, stock, warehouses


def routers() -> list[APIRouter]:
    return [
        items.router,
        warehouses.router,
        movements.router,
        stock.router,
        reservations.router,
        purchase_orders.router,
    ]
