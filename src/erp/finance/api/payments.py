"""Customer payments against invoices."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.responses import Response

from erp.finance.api.deps import Reading, WriteCommand
from erp.finance.domain import payments
from erp.finance.schemas.payments import PaymentCreate, PaymentRead, PaymentReverse
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
    posts the exchange difference. More than the open amount is a 422 naming `amount`, an
    account not marked `cash_or_bank` one naming `account`, a date before the invoice's one
    naming `date`; the invoice becomes `partially_paid` or `paid`."""
    return await command.run(
        payments.receive_payment, returns=PaymentRead, body=body, user=command.user
    )


@router.get("/{payment_id}", response_model=PaymentRead)
async def get_payment(payment_id: RowId, conn: Reading) -> PaymentRead:
    """One payment; 404 when unknown."""
    return PaymentRead.model_validate(await payments.get_payment(conn, payment_id=payment_id))


@router.post("/{payment_id}/reverse", status_code=201, response_model=PaymentRead)
async def reverse_payment(
    payment_id: RowId, command: WriteCommand, body: PaymentReverse | None = None
) -> Response:
    """Undo a payment that did not stand: post the mirror of its entry (201, the payment with
    `reversed_by`), dated `date` (today when omitted; not before the payment, 422), and open
    its invoice again by the amount (`issued` or `partially_paid`). A date in a closed period
    is a 409 naming `date` and `closed_through`; a payment is reversed once (409 after that).
    404 when unknown."""
    body = body or PaymentReverse()
    return await command.run(
        payments.reverse_payment,
        returns=PaymentRead,
        payment_id=payment_id,
        date=body.date,
        reason=body.reason,
        user=command.user,
    )
