"""Finance routes; this module only gathers the routers."""

from __future__ import annotations

from fastapi import APIRouter

from erp.finance.api import accounts, invoices, journal, payments, periods, reports


def routers() -> list[APIRouter]:
    return [
        accounts.router,
        journal.router,
        invoices.router,
        payments.router,
        periods.router,
        reports.router,
    ]
