from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel

from erp.finance.domain.chart import AccountType
from erp.finance.schemas.accounts import LedgerLineRead


class TrialBalanceRow(BaseModel):
    account: str
    name: str
    type: AccountType
    debit: Decimal
    credit: Decimal
    balance: Decimal


class TrialBalanceRead(BaseModel):
    as_of: dt.date
    rows: list[TrialBalanceRow]
    total_debit: Decimal
    total_credit: Decimal


class OpenInvoice(BaseModel):
    id: int
    date: dt.date
    status: str
    currency: str
    total: Decimal
    open_amount: Decimal


class StatementRead(BaseModel):
    customer: str
    date_from: dt.date | None
    date_to: dt.date
    opening_balance: Decimal
    closing_balance: Decimal
    lines: list[LedgerLineRead]
    open_invoices: list[OpenInvoice]


class AgingRead(BaseModel):
    as_of: dt.date
    buckets: list[str]
    rows: list[dict[str, str | Decimal]]
    totals: dict[str, Decimal]
