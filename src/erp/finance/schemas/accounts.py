from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from erp.finance.domain.chart import AccountType
from erp.finance.schemas.common import AccountCode, Input


class AccountCreate(Input):
    code: AccountCode
    name: str = Field(min_length=1, max_length=200)
    type: AccountType
    parent: AccountCode | None = None
    active: bool = True


class AccountUpdate(Input):
    name: str | None = Field(None, min_length=1, max_length=200)
    active: bool | None = None


class AccountRead(BaseModel):
    code: str
    name: str
    type: AccountType
    parent: str | None
    active: bool
    system: bool
    normal_side: Literal["debit", "credit"]
    debit_total: Decimal
    credit_total: Decimal
    balance: Decimal = Field(description="On the normal side; base currency.")
    created_at: datetime


class LedgerLineRead(BaseModel):
    entry_id: int
    line_no: int
    date: str
    memo: str
    source: str
    debit: Decimal
    credit: Decimal
    amount: Decimal
    currency: str
    party: str | None
    sku: str | None
    invoice_id: int | None
    balance: Decimal = Field(description="Running balance on the normal side after this line.")


class AccountLedgerRead(BaseModel):
    account: str
    type: AccountType
    opening_balance: Decimal
    items: list[LedgerLineRead]
    next_cursor: str | None = None
