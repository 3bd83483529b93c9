from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, Field

from erp.finance.schemas.common import AccountCode, Input, PositiveAmount, Rate
from erp.platform.db.tables import MAX_ID


class PaymentCreate(Input):
    invoice: int = Field(ge=1, le=MAX_ID)
    amount: PositiveAmount
    date: dt.date | None = Field(None, description="Defaults to today.")
    rate: Rate | None = Field(
        None, description="Rate on the payment date; defaults to the invoice's rate."
    )
    account: AccountCode | None = Field(None, description="Cash or bank account; default 1100.")


class PaymentRead(BaseModel):
    id: int
    invoice: int
    customer: str
    date: dt.date
    currency: str
    rate: Decimal
    amount: Decimal
    base_amount: Decimal
    account: str
    entry_id: int
    created_at: dt.datetime
    created_by: str
