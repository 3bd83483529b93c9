"""Finance routes; this module only gathers the routers."""

from __future__ import annotations

from fastapi import APIRouter

from erp.finance.api import (
    accounts,
    bills,
    credit_notes,
    debit_notes,
    invoices,
    journal,
    parties,
    payments,
    periods,
    reports,
    tax,
)


def routers() -> list[APIRouter]:
    return [
        accounts.router,
        parties.customers,
        parties.suppliers,
        journal.router,
        invoices.router,
        payments.router,
        credit_notes.router,
        bills.router,
        debit_notes.router,
        tax.router,
        periods.router,
        reports.router,
    ]
