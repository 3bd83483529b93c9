"""Reporting routes; this module only gathers the routers."""

from __future__ import annotations

from fastapi import APIRouter

from erp.reporting.api import dashboard, ledger, purchases, reconciliation, sales, stock, tax


def routers() -> list[APIRouter]:
    return [
        stock.router,
        sales.router,
        purchases.router,
        ledger.router,
        reconciliation.router,
        tax.router,
        dashboard.router,
    ]
