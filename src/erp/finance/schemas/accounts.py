from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from erp.finance.domain.chart import AccountType
from erp.finance.schemas.common import AccountCode, Input

TYPE = "`asset`, `liability`, `equity`, `income` or `expense`."
PARENT = "The code of the account above it in the chart; null at the top."
CASH_OR_BANK = "Payments may be received on it (an asset account holding cash or a bank balance)."


class AccountCreate(Input):
    code: AccountCode
    name: str = Field(min_length=1, max_length=200)
    type: AccountType = Field(description=TYPE + " A child has its parent's type.")
    parent: AccountCode | None = Field(None, description=PARENT)
    active: bool = True
    cash_or_bank: bool | None = Field(
        None, description=CASH_OR_BANK + " Defaults to the parent's (false at the top)."
    )


class AccountUpdate(Input):
    """Fields left out (or null) keep their value."""

    name: str | None = Field(None, min_length=1, max_length=200)
    active: bool | None = Field(None, description="Nothing can be posted to an inactive account.")
    cash_or_bank: bool | None = Field(None, description=CASH_OR_BANK)


class AccountRead(BaseModel):
    code: str
    name: str
    type: AccountType = Field(description=TYPE)
    parent: str | None = Field(description=PARENT)
    active: bool
    system: bool = Field(description="Used by automatic postings: it cannot be deactivated.")
    cash_or_bank: bool = Field(description=CASH_OR_BANK)
    normal_side: Literal["debit", "credit"] = Field(
        description="The side it grows on: debit for assets and expenses, credit for the others."
    )
    debit_total: Decimal = Field(description="All debits posted to it; base currency.")
    credit_total: Decimal = Field(description="All credits posted to it; base currency.")
    balance: Decimal = Field(description="On the normal side; base currency.", examples=["250.00"])
    created_at: datetime


class LedgerLineRead(BaseModel):
    entry_id: int = Field(description="The journal entry of the line.")
    line_no: int = Field(description="The line's place in its entry, from 1.")
    date: str = Field(description="The entry's date (YYYY-MM-DD).", examples=["2026-11-25"])
    memo: str = Field(description="The entry's memo.")
    source: str = Field(description="What posted the entry: manual, invoice, payment or stock.")
    debit: Decimal = Field(description="Base currency.")
    credit: Decimal = Field(description="Base currency.")
    amount: Decimal = Field(description="Signed, in `currency` (+ debit).")
    currency: str = Field(description="The entry's currency.", examples=["EUR"])
    party: str | None = Field(description="The customer it concerns, if any.")
    sku: str | None = Field(description="The item it concerns, if any.")
    invoice_id: int | None = Field(description="The invoice it concerns, if any.")
    balance: Decimal = Field(description="Running balance on the normal side after this line.")


class AccountLedgerRead(BaseModel):
    account: str = Field(description="The account's code.", examples=["1200"])
    type: AccountType = Field(description=TYPE)
    opening_balance: Decimal = Field(
        description="The balance before `from` (0 without `from`), on the normal side."
    )
    items: list[LedgerLineRead] = Field(description="This page of lines, in date order.")
    next_cursor: str | None = Field(
        None, description="Pass as `cursor` for the next page; null on the last page."
    )
