from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from erp.finance.schemas.common import BASE, Input
from erp.finance.schemas.invoices import TaxCodeText, TaxRate

TaxKind = Literal["output", "input"]
Treatment = Literal["standard", "zero", "exempt"]
KIND = "`output`: tax charged on sales (invoice lines); `input`: tax paid on purchases (bills)."
TREATMENT = (
    "`standard`: taxed at `rate`; `zero`: zero-rated (taxable, at 0%); `exempt`: outside the"
    " tax, reported apart."
)


class TaxCodeCreate(Input):
    code: TaxCodeText = Field(description="How lines name it.", examples=["VAT20"])
    name: str = Field(min_length=1, max_length=200, description="What the tax report prints.")
    kind: TaxKind = Field(description=KIND)
    treatment: Treatment = Field("standard", description=TREATMENT)
    rate: TaxRate | None = Field(
        None, description="Percent; required for `standard`, 0 (or omitted) otherwise."
    )


class TaxCodeUpdate(Input):
    """The rate never changes (what was taxed keeps its rate): a new rate is a new code."""

    name: str | None = Field(None, min_length=1, max_length=200, description="A new name.")
    active: bool | None = Field(None, description="An inactive code takes no new lines.")


class TaxCodeRead(BaseModel):
    code: str = Field(description="How lines name it.")
    name: str = Field(description="What the tax report prints.")
    kind: TaxKind = Field(description=KIND)
    treatment: Treatment = Field(description=TREATMENT)
    rate: Decimal = Field(description="Percent.")
    active: bool = Field(description="Whether new lines may name it.")
    created_at: dt.datetime


class TaxReportRow(BaseModel):
    code: str | None = Field(description="The tax code; null for tax posted without one.")
    name: str | None = Field(description="The code's name.")
    kind: TaxKind = Field(description=KIND)
    treatment: Treatment | None = Field(description=TREATMENT)
    rate: Decimal | None = Field(description="Percent.")
    taxable: Decimal = Field(description="Net amount of the lines taxed under it; " + BASE)
    tax: Decimal = Field(description="The tax; " + BASE)


class TaxReportRead(BaseModel):
    date_from: dt.date = Field(description="First day included.")
    date_to: dt.date = Field(description="Last day included.")
    rows: list[TaxReportRow] = Field(description="Output codes, then input codes.")
    output_tax: Decimal = Field(description="Tax charged on sales in the period; " + BASE)
    input_tax: Decimal = Field(description="Tax paid on purchases in the period; " + BASE)
    net_due: Decimal = Field(
        description="Output less input tax: owed to the tax office (negative: to reclaim)."
    )
