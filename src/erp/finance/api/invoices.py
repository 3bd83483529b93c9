"""Sales invoices: drafted, issued (posted, goods shipped), paid, or voided."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.responses import Response

from erp.finance.api.deps import InvoiceReading, WriteCommand
from erp.finance.domain import invoices
from erp.finance.schemas.invoices import (
    InvoiceCreate,
    InvoiceIssue,
    InvoiceRead,
    InvoiceStatus,
    InvoiceVoid,
)
from erp.platform.api import Paging, RowId
from erp.platform.pagination import Page

router = APIRouter(prefix="/invoices", tags=["invoices"])
Customer = Annotated[str | None, Query(max_length=200, description="Only this customer's.")]
Status = Annotated[InvoiceStatus | None, Query(description="Only invoices in this state.")]
Transition = Callable[..., Awaitable[dict[str, Any]]]


@router.get("", response_model=Page[InvoiceRead])
async def list_invoices(
    conn: InvoiceReading, page: Paging, customer: Customer = None, status: Status = None
) -> Page[InvoiceRead]:
    """Invoices with their lines, newest first."""
    fetch = partial(invoices.list_invoices, conn, customer=customer, status=status)
    return await page.of(InvoiceRead, fetch)


@router.post("", status_code=201, response_model=InvoiceRead)
async def create_invoice(body: InvoiceCreate, command: WriteCommand) -> Response:
    """Create a draft: lines are priced and taxed (rounded to the currency's minor unit) and
    nothing is posted until it is issued. A currency other than the base one needs `rate`; a
    total of zero or less is a 422."""
    return await command.run(
        invoices.create_invoice, returns=InvoiceRead, body=body, user=command.user
    )


@router.get("/{invoice_id}", response_model=InvoiceRead)
async def get_invoice(invoice_id: RowId, conn: InvoiceReading) -> InvoiceRead:
    """One invoice with its lines and the amounts paid and still open; 404 when unknown."""
    return InvoiceRead.model_validate(await invoices.get_invoice(conn, invoice_id=invoice_id))


async def _transition(
    command: WriteCommand, work: Transition, invoice_id: int, body: InvoiceIssue | InvoiceVoid
) -> Response:
    """Issue or void: the body's fields are the change's arguments."""
    return await command.run(
        work,
        returns=InvoiceRead,
        status_code=200,
        invoice_id=invoice_id,
        user=command.user,
        **body.model_dump(),
    )


@router.post("/{invoice_id}/issue", response_model=InvoiceRead)
async def issue_invoice(
    invoice_id: RowId, command: WriteCommand, body: InvoiceIssue | None = None
) -> Response:
    """Issue a draft, or an invoice on hold: post receivable, sales and tax payable, and ask
    inventory to issue the goods. If inventory cannot, the invoice goes `on_hold` with the
    reason and the posting is reversed; issuing it again retries. An invoice already issued
    or void is a 409; a date in a closed period is a 409 `period-closed`."""
    return await _transition(command, invoices.issue_invoice, invoice_id, body or InvoiceIssue())


@router.post("/{invoice_id}/void", response_model=InvoiceRead)
async def void_invoice(
    invoice_id: RowId, command: WriteCommand, body: InvoiceVoid | None = None
) -> Response:
    """Void an invoice: an issued one has its posting reversed and its goods returned to
    stock. Refused (409) once a payment was received, or when it is already void."""
    return await _transition(command, invoices.void_invoice, invoice_id, body or InvoiceVoid())
