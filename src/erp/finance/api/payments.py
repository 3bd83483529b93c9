"""Customer payments against invoices."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.responses import Response

from erp.finance.api.deps import Reading, WriteCommand
from erp.finance.domain import payments
from erp.finance.schemas.payments import PaymentCreate, PaymentRead
from erp.platform.api import Paging, RowId
from erp.platform.db.tables import MAX_ID
from erp.platform.pagination import Page

router = APIRouter(prefix="/payments", tags=["payments"])
InvoiceFilter = Annotated[
    int | None, Query(ge=1, le=MAX_ID, description="Only payments of this invoice.")
]


@router.get("", response_model=Page[PaymentRead])
async def list_payments(
    conn: Reading, page: Paging, invoice: InvoiceFilter = None
) -> Page[PaymentRead]:
    """Payments, newest first."""

    async def fetch(*, after: dict[str, Any] | None, limit: int) -> list[dict[str, Any]]:
        before_id = after["id"] if after else None
        return await payments.list_payments(
            conn, limit=limit, before_id=before_id, invoice_id=invoice
        )

    return await page.of(PaymentRead, fetch)


@router.post("", status_code=201, response_model=PaymentRead)
async def receive_payment(body: PaymentCreate, command: WriteCommand) -> Response:
    """Record money received for an issued or partly paid invoice (409 for any other): debit
    the cash or bank account, credit the receivable; a rate different from the invoice's
    posts the exchange difference. More than the open amount is a 422 naming `amount`; the
    invoice becomes `partially_paid` or `paid`."""
    return await command.run(
        payments.receive_payment, returns=PaymentRead, body=body, user=command.user
    )


@router.get("/{payment_id}", response_model=PaymentRead)
async def get_payment(payment_id: RowId, conn: Reading) -> PaymentRead:
    """One payment; 404 when unknown."""
    return PaymentRead.model_validate(await payments.get_payment(conn, payment_id=payment_id))
