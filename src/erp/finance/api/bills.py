"""Supplier bills, their payments, the goods received and not yet billed, and AP aging."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from erp.finance.api.deps import Reading, WriteCommand
from erp.finance.domain import bills, receipts, reports
from erp.finance.domain.money import ZERO
from erp.finance.schemas.bills import (
    BillCreate,
    BillRead,
    BillStatus,
    GoodsReceiptsRead,
    SupplierPaymentCreate,
    SupplierPaymentRead,
)
from erp.finance.schemas.reports import AgingRead
from erp.platform.api import Paging, RowId
from erp.platform.calendar import AsOf, AsOfQuery, today
from erp.platform.pagination import Page

router = APIRouter(tags=["bills"])
Supplier = Annotated[str | None, Query(max_length=200, description="Only this supplier's.")]
Status = Annotated[BillStatus | None, Query(description="Only bills in this state.")]


@router.get("/bills", response_model=Page[BillRead])
async def list_bills(
    conn: Reading, page: Paging, supplier: Supplier = None, status: Status = None
) -> Page[BillRead]:
    """Bills with their lines, newest first."""
    fetch = partial(bills.list_bills, conn, supplier=supplier, status=status)
    return await page.of(BillRead, fetch)


@router.post("/bills", status_code=201, response_model=BillRead)
async def post_bill(body: BillCreate, command: WriteCommand) -> Response:
    """Enter and post a supplier's bill. A line naming a goods receipt line (`receipt`, from
    `/goods-receipts`) clears its goods received not invoiced pro rata to the quantity billed,
    and the difference to the billed net amount goes to purchase price variance (5200); a line
    without one posts to its `account`. Tax goes to input tax recoverable (1400), the total to
    accounts payable (2100). 422 naming the field for an unknown or inactive supplier, a
    receipt line that does not exist, came from another supplier, or has less left to bill
    than `quantity`, or a bill dated before a receipt it bills; 409 naming `number` when the
    supplier's number was entered already. The due date follows the supplier's terms."""
    return await command.run(bills.post_bill, returns=BillRead, body=body, user=command.user)


@router.get("/bills/{bill_id}", response_model=BillRead)
async def get_bill(bill_id: RowId, conn: Reading) -> BillRead:
    """One bill with its lines and what is paid and still open; 404 when unknown."""
    return BillRead.model_validate(await bills.get_bill(conn, bill_id=bill_id))


@router.post("/supplier-payments", status_code=201, response_model=SupplierPaymentRead)
async def pay_bill(body: SupplierPaymentCreate, command: WriteCommand) -> Response:
    """Pay a bill, in its currency, from a cash or bank account: the payable is relieved at
    the bill's rate, the cash at the rate of the day, and the difference is an exchange gain
    or loss (7100). More than the open amount is a 422 naming `amount`; a paid bill a 409."""
    return await command.run(
        bills.pay_bill, returns=SupplierPaymentRead, body=body, user=command.user
    )


@router.get("/supplier-payments/{payment_id}", response_model=SupplierPaymentRead)
async def get_supplier_payment(payment_id: RowId, conn: Reading) -> SupplierPaymentRead:
    """One payment to a supplier; 404 when unknown."""
    found = await bills.get_payment(conn, payment_id=payment_id)
    return SupplierPaymentRead.model_validate(found)


@router.get("/goods-receipts", response_model=GoodsReceiptsRead)
async def goods_receipts(
    conn: Reading, as_of: AsOfQuery = None, supplier: Supplier = None
) -> GoodsReceiptsRead:
    """Receipt lines not fully billed at the end of `as_of`'s day (today when omitted), with
    what is left to bill. Their total is what goods received not invoiced (2150) holds for
    them on that day."""
    day = (as_of or AsOf.of_day(today())).day
    rows = await receipts.unbilled(conn, as_of=day, supplier=supplier)
    total = sum((r["unbilled_value"] for r in rows), ZERO)
    return GoodsReceiptsRead.model_validate({"as_of": day, "rows": rows, "total_unbilled": total})


@router.get("/ap-aging", response_model=AgingRead)
async def ap_aging(conn: Reading, as_of: AsOfQuery = None) -> AgingRead:
    """Open payables at `as_of` per supplier, by days past their due date: `current` (not yet
    due), 1-30, 31-60, 61-90, 90+; in the base currency."""
    return AgingRead.model_validate(
        await reports.ap_aging(conn, as_of=as_of or AsOf.of_day(today()))
    )
