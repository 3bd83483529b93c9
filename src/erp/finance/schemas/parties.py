from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from erp.finance.schemas.common import Amount, Code, Currency, Input

PartyKind = Literal["customer", "supplier"]
TermsBasis = Literal["net", "eom"]
CODE = "How documents name the party; unique per kind without regard to case."
TERMS_DAYS = "Days until a document is due."
TERMS_BASIS = "`net`: the days count from the document date; `eom`: from the last day of its month."
CURRENCY = "The currency its documents take when they name none; the base currency when null."
CREDIT_LIMIT = (
    "Customers: the most their open receivables and pending invoices may reach, in the base"
    " currency; null for no limit. An issue beyond it is refused unless overridden."
)
TermsDays = Annotated[int, Field(ge=0, le=3650, description=TERMS_DAYS, examples=[30])]
TAX_ID = "The party's VAT or tax registration number, as printed on its documents."
TaxId = Annotated[
    str, Field(min_length=1, max_length=64, description=TAX_ID, examples=["GB123456789"])
]
Name = Annotated[str, Field(min_length=1, max_length=200, examples=["ACME Ltd"])]


class PartyCreate(Input):
    code: Code = Field(description=CODE, examples=["ACME"])
    name: Name
    tax_id: TaxId | None = Field(None, description=TAX_ID)
    currency: Currency | None = Field(None, description=CURRENCY)
    terms_days: TermsDays = 30
    terms_basis: TermsBasis = Field("net", description=TERMS_BASIS)
    credit_limit: Amount | None = Field(None, description=CREDIT_LIMIT)
    active: bool = True


class PartyUpdate(Input):
    """Fields left out keep their value; `credit_limit`, `tax_id` and `currency` may be set to
    null. The code never changes: the journal names the party by it."""

    name: Name | None = None
    tax_id: TaxId | None = Field(None, description=TAX_ID)
    currency: Currency | None = Field(None, description=CURRENCY)
    terms_days: TermsDays | None = Field(None, description=TERMS_DAYS)
    terms_basis: TermsBasis | None = Field(None, description=TERMS_BASIS)
    credit_limit: Amount | None = Field(None, description=CREDIT_LIMIT)
    active: bool | None = Field(
        None, description="An inactive party takes no new documents; its history stays."
    )


class PartyRead(BaseModel):
    id: int
    kind: PartyKind = Field(description="`customer` or `supplier`.")
    code: str = Field(description=CODE)
    name: str
    tax_id: str | None = Field(description=TAX_ID)
    currency: str | None = Field(description=CURRENCY)
    terms_days: int = Field(description=TERMS_DAYS)
    terms_basis: TermsBasis = Field(description=TERMS_BASIS)
    credit_limit: Decimal | None = Field(description=CREDIT_LIMIT)
    active: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class CreditOverrideRead(BaseModel):
    invoice_id: int = Field(description="The invoice issued beyond the limit.")
    issue_no: int = Field(description="Which request for its goods it allowed.")
    credit_limit: Decimal = Field(description="The limit then; base currency.")
    exposure: Decimal = Field(
        description="Open receivables and pending invoices with this one; base currency."
    )
    reason: str = Field(description="Why it was allowed.")
    overridden_at: dt.datetime = Field(description="When it was allowed (UTC).")
    overridden_by: str = Field(description="Who allowed it.")
