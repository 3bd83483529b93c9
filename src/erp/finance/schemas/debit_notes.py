"""A supplier's credit against one of their bills, entered as a debit note."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, Field

from erp.finance.schemas.common import BASE, ENTRY, Input
from erp.finance.schemas.invoices import Quantity

BILL_LINE = "The bill's line it credits (its `line_no`)."


class DebitNoteLineIn(Input):
    bill_line: int = Field(ge=1, le=200, description=BILL_LINE, examples=[1])
    quantity: Quantity = Field(
        description="Units credited: at most what the line billed less earlier debit notes;"
        " lines naming one bill line count together.",
        examples=["2"],
    )


class DebitNoteCreate(Input):
    number: str = Field(
        min_length=1,
        max_length=64,
        description="The supplier's own credit note number; entered once per supplier.",
        examples=["CN-2026-0042"],
    )
    date: dt.date | None = Field(
        None, description="The debit note date; today when omitted. Not before the bill date."
    )
    lines: list[DebitNoteLineIn] = Field(
        min_length=1, max_length=200, description="What is credited, by bill line."
    )


class DebitNoteLineRead(BaseModel):
    line_no: int = Field(description="The line's place on the debit note, from 1.")
    bill_line: int = Field(description=BILL_LINE)
    receipt_id: int | None = Field(description="The goods receipt line the bill line billed.")
    account: str = Field(description="GRNI (2150) for a receipt line, else the expense account.")
    quantity: Decimal = Field(description="Units credited.")
    net: Decimal = Field(description="The net amount credited, in the bill's currency.")
    tax: Decimal = Field(description="The input tax credited, in the bill's currency.")
    cleared: Decimal = Field(
        description="The GRNI it puts back (what the bill line cleared, pro rata); " + BASE
    )
    tax_code: str | None = Field(description="The bill line's tax code, if any.")


class DebitNoteRead(BaseModel):
    id: int
    bill: int = Field(description="The bill it credits.")
    supplier: str = Field(description="The bill's supplier.")
    number: str = Field(description="The supplier's credit note number.")
    date: dt.date = Field(description="The debit note date.")
    currency: str = Field(description="The bill's currency.", examples=["EUR"])
    rate: Decimal = Field(description="The bill's rate: base-currency units per unit.")
    subtotal: Decimal = Field(description="Sum of the lines' net amounts.")
    tax_total: Decimal = Field(description="Sum of the lines' tax.")
    total: Decimal = Field(description="Subtotal plus tax: what comes off the bill's open amount.")
    base_total: Decimal = Field(description="The payable relieved; " + BASE)
    entry_id: int = Field(description=ENTRY)
    created_at: dt.datetime = Field(description="When it was entered.")
    created_by: str = Field(description="Who entered it.")
    lines: list[DebitNoteLineRead] = Field(description="What is credited.")
