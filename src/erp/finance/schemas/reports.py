from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, Field

from erp.finance.domain.chart import AccountType
from erp.finance.schemas.accounts import TYPE, LedgerLineRead
from erp.finance.schemas.common import BASE


class TrialBalanceRow(BaseModel):
    account: str = Field(description="The account's code.", examples=["1100"])
    name: str
    type: AccountType = Field(description=TYPE)
    debit: Decimal = Field(description="The net balance when it is on the debit side.")
    credit: Decimal = Field(description="The net balance when it is on the credit side.")
    balance: Decimal = Field(description="On the account's normal side; base currency.")


AS_OF = "The last day included, or, when asked with a timestamp, that instant (UTC)."


class TrialBalanceRead(BaseModel):
    as_of: dt.datetime | dt.date = Field(description=AS_OF)
    rows: list[TrialBalanceRow] = Field(description="One per account with postings.")
    total_debit: Decimal = Field(description=BASE)
    total_credit: Decimal = Field(description=BASE + " Equal to the debits.")


class OpenInvoice(BaseModel):
    id: int
    date: dt.date = Field(description="The invoice date.")
    status: str = Field(description="The invoice's state.", examples=["partially_paid"])
    currency: str = Field(description="ISO 4217 code.", examples=["EUR"])
    total: Decimal = Field(description="In `currency`.")
    open_amount: Decimal = Field(description="Still to be paid, in `currency`.")


class StatementRead(BaseModel):
    customer: str = Field(description="Whose statement it is.")
    date_from: dt.date | None = Field(description="First day included; null: from the start.")
    date_to: dt.date = Field(description="Last day included.")
    opening_balance: Decimal = Field(description="Owed before `date_from`; base currency.")
    closing_balance: Decimal = Field(description="Owed at the end of `date_to`; base currency.")
    lines: list[LedgerLineRead] = Field(description="The receivable lines, in date order.")
    open_invoices: list[OpenInvoice] = Field(description="Invoices not yet settled.")


class AgingRead(BaseModel):
    as_of: dt.datetime | dt.date = Field(description=AS_OF + " Ages count to its day.")
    buckets: list[str] = Field(
        description="Names of the age buckets, in days.",
        examples=[["0-30", "31-60", "61-90", "90+"]],
    )
    rows: list[dict[str, str | Decimal]] = Field(
        description="Per customer: `customer`, the amount in each bucket and `total`; base"
        " currency."
    )
    totals: dict[str, Decimal] = Field(description="Each bucket and `total` over all customers.")
