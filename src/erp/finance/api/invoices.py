"""Sales invoices: drafted, issued once inventory has shipped the goods, paid, or voided."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.responses import Response

from erp.finance.api.deps import Inventory, InvoiceReading, WriteCommand
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
async def create_invoice(body: InvoiceCreate, command: WriteCommand, stock: Inventory) -> Response:
    """Create a draft: lines are priced and taxed (rounded to the currency's minor unit) and
    nothing is posted until it is issued. An item or warehouse the inventory service does not
    know or keeps inactive is a 422 naming `lines.<i>.sku` or `lines.<i>.warehouse` (503 when
    inventory cannot be asked). A currency other than the base one needs `rate`; a total of
    zero or less, or one too large to store, is a 422."""
    await stock.check_lines(body.lines)  # before the transaction: no lock held while asking
    return await command.run(
        invoices.create_invoice, returns=InvoiceRead, body=body, user=command.user
    )


@router.get("/{invoice_id}", response_model=InvoiceRead)
async def get_invoice(invoice_id: RowId, conn: InvoiceReading) -> InvoiceRead:
    """One invoice with its lines and the amounts paid and still open; 404 when unknown."""
    return InvoiceRead.model_validate(await invoices.get_invoice(conn, invoice_id=invoice_id))


async def _transition(
    command: WriteCommand,
    work: Transition,
    invoice_id: int,
    body: InvoiceIssue | InvoiceVoid,
    status_code: int = 200,
) -> Response:
    """Issue or void: the body's fields are the change's arguments."""
    return await command.run(
        work,
        returns=InvoiceRead,
        status_code=status_code,
        invoice_id=invoice_id,
        user=command.user,
        **body.model_dump(),
    )


POLL = {"Location": {"description": "The invoice, to poll until it is no longer `pending`."}}


@router.post(
    "/{invoice_id}/issue",
    status_code=202,
    response_model=InvoiceRead,
    responses={202: {"headers": POLL}},
)
async def issue_invoice(
    invoice_id: RowId, command: WriteCommand, body: InvoiceIssue | None = None
) -> Response:
    """Ask inventory for the goods of a draft or an invoice on hold; the answer (202) is the
    invoice `pending`, with a `Location` to poll. Nothing is posted yet: once every line has
    left stock the receivable, sales and tax are posted, dated the invoice date, and the
    invoice is `issued`; if inventory cannot issue the goods it goes `on_hold` with the
    reason, and issuing it again asks again. `date` moves the invoice date first. An invoice
    pending, issued or void is a 409; a date in a closed period a 409 naming `date` and
    `closed_through`."""
    body = body or InvoiceIssue()
    response = await _transition(command, invoices.issue_invoice, invoice_id, body, 202)
    # Relative to .../invoices/{id}/issue: right however a proxy prefixes the path (the
    # gateway serves this under /api/finance and strips that before forwarding).
    response.headers["Location"] = f"../{invoice_id}"
    return response


@router.post("/{invoice_id}/void", response_model=InvoiceRead)
async def void_invoice(
    invoice_id: RowId, command: WriteCommand, body: InvoiceVoid | None = None
) -> Response:
    """Void an invoice: an issued one has its posting reversed and its goods returned to
    stock; a pending one has nothing posted, and should its goods leave after all they are
    returned. Refused (409) once a payment was received, or when it is already void."""
    return await _transition(command, invoices.void_invoice, invoice_id, body or InvoiceVoid())
