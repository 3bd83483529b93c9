from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from erp.finance.schemas.common import (
    BASE,
    ENTRY,
    AccountCode,
    InCurrency,
    Input,
    Party,
    PositiveAmount,
    Rate,
)
from erp.finance.schemas.invoices import Quantity, TaxCodeText, TaxRate, UnitPrice
from erp.platform.db.tables import MAX_ID

BillStatus = Literal["open", "partially_paid", "paid"]
RECEIPT = (
    "The goods receipt line it bills (an `id` from `/goods-receipts`); its goods received not"
    " invoiced is cleared. Leave out for services and expenses, and give `account` instead."
)
ACCOUNT = "For a line without `receipt`: the expense (or asset) account it is posted to."
PAID_FROM = "The cash or bank account it was paid from."
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class BillLineIn(Input):
    receipt: Id | None = Field(None, description=RECEIPT)
    account: AccountCode | None = Field(None, description=ACCOUNT)
    description: str | None = Field(None, max_length=200, description="What was bought.")
    quantity: Quantity = Field(
        description="Units billed; for a receipt line at most what is left to bill of it."
    )
    unit_price: UnitPrice = Field(description="Net price per unit, in the bill's currency.")
    tax_rate: TaxRate = Decimal(0)
    tax_code: TaxCodeText | None = Field(
        None,
        description="An input tax code: the line takes its rate (a `tax_rate` given must equal"
        " it) and the tax report counts the line under it.",
    )


class BillCreate(InCurrency):
    supplier: Party = Field(description="The code of an active supplier (any case).")
    number: str = Field(
        min_length=1,
        max_length=64,
        description="The supplier's own invoice number; entered once per supplier.",
        examples=["INV-2026-0117"],
    )
    date: dt.date | None = Field(
        None, description="The bill date; today when omitted. Not before a receipt it bills."
    )
    due_date: dt.date | None = Field(
        None, description="From the supplier's terms when omitted; not before `date`."
    )
    lines: list[BillLineIn] = Field(min_length=1, max_length=200, description="What is billed.")


class BillLineRead(BaseModel):
    line_no: int = Field(description="The line's place on the bill, from 1.")
    receipt_id: int | None = Field(description="The goods receipt line it bills, if any.")
    account: str = Field(description="GRNI (2150) for a receipt line, else the expense account.")
    sku: str | None = Field(description="The item received, for a receipt line.")
    description: str | None = Field(description="What was bought.")
    quantity: Decimal = Field(description="Units billed.")
    unit_price: Decimal = Field(description="Net price per unit, in the bill's currency.")
    tax_rate: Decimal = Field(description="Percent.")
    net: Decimal = Field(description="Quantity times unit price, rounded to the currency.")
    tax: Decimal = Field(description="Tax on the net amount, rounded to the currency.")
    cleared: Decimal = Field(
        description="The receipt value it took off goods received not invoiced; " + BASE
    )
    tax_code: str | None = Field(None, description="Its tax code, if it names one.")


class BillRead(BaseModel):
    id: int
    supplier: str = Field(description="The supplier's code.")
    number: str = Field(description="The supplier's invoice number.")
    currency: str = Field(description="ISO 4217 code.", examples=["EUR"])
    rate: Decimal = Field(description="Base-currency units per unit of `currency`.")
    date: dt.date = Field(description="The bill date.")
    due_date: dt.date = Field(description="When it is to be paid; its age counts from here.")
    status: BillStatus = Field(description="`open`, `partially_paid` or `paid`.")
    subtotal: Decimal = Field(description="Sum of the lines' net amounts.")
    tax_total: Decimal = Field(description="Sum of the lines' tax (input tax recoverable).")
    total: Decimal = Field(description="Subtotal plus tax, in the bill's currency.")
    paid_amount: Decimal = Field(description="Paid so far.")
    open_amount: Decimal = Field(description="Still to be paid.")
    entry_id: int = Field(description=ENTRY)
    created_at: dt.datetime
    created_by: str = Field(description="Who entered it.")
    lines: list[BillLineRead] = Field(description="What is billed.")


class SupplierPaymentCreate(Input):
    bill: Id = Field(description="The bill it pays.", examples=[7])
    amount: PositiveAmount = Field(description="In the bill's currency; at most its open amount.")
    date: dt.date | None = Field(None, description="Defaults to today; not before the bill date.")
    rate: Rate | None = Field(
        None, description="Rate on the payment date; defaults to the bill's rate."
    )
    account: AccountCode | None = Field(None, description=PAID_FROM + " Default 1100.")


class SupplierPaymentRead(BaseModel):
    id: int
    bill: int = Field(description="The bill it pays.")
    supplier: str = Field(description="The bill's supplier.")
    date: dt.date = Field(description="When it was paid.")
    currency: str = Field(description="The bill's currency.", examples=["EUR"])
    rate: Decimal = Field(description="Base-currency units per unit of `currency` that day.")
    amount: Decimal = Field(description="In `currency`.")
    base_amount: Decimal = Field(description=BASE)
    account: str = Field(description=PAID_FROM)
    entry_id: int = Field(description=ENTRY)
    created_at: dt.datetime
    created_by: str = Field(description="Who recorded it.")


class GoodsReceiptRead(BaseModel):
    id: int = Field(description="What a bill line names as `receipt`.")
    movement_id: int = Field(description="Inventory's receipt movement.")
    line_no: int = Field(description="The line of that movement.")
    date: dt.date = Field(description="The day its value was posted.")
    sku: str
    warehouse: str = Field(description="Where the goods came in.")
    supplier: str | None = Field(description="From its purchase order; null without one.")
    purchase_order_id: int | None = Field(description="The purchase order it came against.")
    purchase_order_line: int | None = Field(description="That order's line.")
    received_quantity: Decimal = Field(description="Received, less reversals.")
    received_value: Decimal = Field(description="Its value, less reversals; " + BASE)
    unbilled_quantity: Decimal = Field(description="Not yet billed.")
    unbilled_value: Decimal = Field(description="Still in goods received not invoiced; " + BASE)


class GoodsReceiptsRead(BaseModel):
    as_of: dt.date = Field(description="The last day included.")
    rows: list[GoodsReceiptRead] = Field(description="Receipt lines not fully billed.")
    total_unbilled: Decimal = Field(
        description="Their unbilled value: what 2150 holds for them; " + BASE
    )
