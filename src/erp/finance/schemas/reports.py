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
    due_date: dt.date = Field(description="When it is to be paid.")
    status: str = Field(description="The invoice's state.", examples=["partially_paid"])
    currency: str = Field(description="ISO 4217 code.", examples=["EUR"])
    total: Decimal = Field(description="In `currency`.")
    open_amount: Decimal = Field(description="Still to be paid, in `currency`.")


class StatementRead(BaseModel):
    customer: str = Field(description="The code of the customer whose statement it is.")
    name: str = Field(description="The customer's name.")
    date_from: dt.date | None = Field(description="First day included; null: from the start.")
    date_to: dt.date = Field(description="Last day included.")
    opening_balance: Decimal = Field(description="Owed before `date_from`; base currency.")
    closing_balance: Decimal = Field(description="Owed at the end of `date_to`; base currency.")
    lines: list[LedgerLineRead] = Field(description="The receivable lines, in date order.")
    open_invoices: list[OpenInvoice] = Field(description="Invoices not yet settled.")


class OpenBill(OpenInvoice):
    status: str = Field(description="The bill's state.", examples=["partially_paid"])
    date: dt.date = Field(description="The bill date.")


class SupplierStatementRead(BaseModel):
    supplier: str = Field(description="The code of the supplier whose statement it is.")
    name: str = Field(description="The supplier's name.")
    date_from: dt.date | None = Field(description="First day included; null: from the start.")
    date_to: dt.date = Field(description="Last day included.")
    opening_balance: Decimal = Field(description="Owed to it before `date_from`; base currency.")
    closing_balance: Decimal = Field(
        description="Owed to it at the end of `date_to`; base currency."
    )
    lines: list[LedgerLineRead] = Field(
        description="The payable lines, in date order; `balance` is what is owed after each."
    )
    open_bills: list[OpenBill] = Field(description="Bills not yet paid.")


class AgingRead(BaseModel):
    as_of: dt.datetime | dt.date = Field(description=AS_OF + " Ages count to its day.")
    buckets: list[str] = Field(
        description="Names of the buckets: `current` (not yet due), then days past due.",
        examples=[["current", "1-30", "31-60", "61-90", "90+"]],
    )
    rows: list[dict[str, str | Decimal]] = Field(
        description="Per customer: `customer`, the amount in each bucket and `total`; base"
        " currency."
    )
    totals: dict[str, Decimal] = Field(description="Each bucket and `total` over all customers.")
