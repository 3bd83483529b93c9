from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, Field

from erp.finance.schemas.common import (
    BASE,
    ENTRY,
    AccountCode,
    Input,
    Memo,
    PositiveAmount,
    Rate,
)
from erp.platform.db.tables import MAX_ID

ACCOUNT = "The account it was received on: one marked `cash_or_bank`."


class PaymentCreate(Input):
    invoice: int = Field(ge=1, le=MAX_ID, description="The invoice it pays.", examples=[42])
    amount: PositiveAmount = Field(
        description="In the invoice's currency; at most its open amount.", examples=["100.00"]
    )
    date: dt.date | None = Field(
        None, description="Defaults to today; not before the invoice date."
    )
    rate: Rate | None = Field(
        None, description="Rate on the payment date; defaults to the invoice's rate."
    )
    account: AccountCode | None = Field(None, description=ACCOUNT + " Default 1100.")


class PaymentRead(BaseModel):
    id: int
    invoice: int = Field(description="The invoice it pays.")
    customer: str = Field(description="The invoice's customer.")
    date: dt.date = Field(description="When it was received.")
    currency: str = Field(description="The invoice's currency.", examples=["EUR"])
    rate: Decimal = Field(description="Base-currency units per unit of `currency` that day.")
    amount: Decimal = Field(description="In `currency`.")
    base_amount: Decimal = Field(description=BASE)
    account: str = Field(description=ACCOUNT, examples=["1100"])
    entry_id: int = Field(description=ENTRY)
    created_at: dt.datetime
    created_by: str = Field(description="Who recorded it.", examples=["alice"])
    reversed_by: int | None = Field(
        None, description="The journal entry that reversed it; null while it stands."
    )


class PaymentReverse(Input):
    date: dt.date | None = Field(
        None, description="Of the reversal; defaults to today. Not before the payment's date."
    )
    reason: Memo | None = Field(
        None, description="Why it is reversed (a bounced cheque...); kept in the entry's memo."
    )
