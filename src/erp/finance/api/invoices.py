from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from erp.finance.api.deps import InvoiceReader, WriteCommand
from erp.finance.domain import invoices
from erp.finance.schemas.invoices import (
    InvoiceCreate,
    InvoiceIssue,
    InvoiceRead,
    InvoiceStatus,
    InvoiceVoid,
)
from erp.platform.api import DEFAULT_LIMIT, Cursor, Limit, ReadConnection, RowId
from erp.platform.pagination import Page, decode_cursor, page_of

router = APIRouter(prefix="/invoices", tags=["invoices"])
InvoiceId = RowId


@router.get("", response_model=Page[InvoiceRead])
async def list_invoices(
    conn: ReadConnection,
    _: InvoiceReader,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    customer: Annotated[str | None, Query(max_length=200)] = None,
    status: Annotated[InvoiceStatus | None, Query()] = None,
) -> Page[InvoiceRead]:
    """Newest first."""
    position = decode_cursor(cursor, fields={"id": int})
    rows = await invoices.list_invoices(
        conn,
        limit=limit + 1,
        before_id=int(position["id"]) if position else None,
        customer=customer,
        status=status,
    )
    return page_of([InvoiceRead.model_validate(r) for r in rows], limit, lambda i: {"id": i.id})


@router.post("", status_code=201, response_model=InvoiceRead)
async def create_invoice(body: InvoiceCreate, command: WriteCommand) -> Response:
    """A draft: nothing is posted until it is issued."""
    user = command.principal.username
    return await command.run(
        lambda conn: invoices.create_invoice(conn, body=body, user=user), returns=InvoiceRead
    )


@router.get("/{invoice_id}", response_model=InvoiceRead)
async def get_invoice(invoice_id: InvoiceId, conn: ReadConnection, _: InvoiceReader) -> InvoiceRead:
    return InvoiceRead.model_validate(await invoices.get_invoice(conn, invoice_id=invoice_id))


@router.post("/{invoice_id}/issue", response_model=InvoiceRead)
async def issue_invoice(
    invoice_id: InvoiceId, command: WriteCommand, body: InvoiceIssue | None = None
) -> Response:
    """Post receivable / sales / tax and ask inventory to issue the goods. Also releases a
    hold (a new issue)."""
    user = command.principal.username
    date = body.date if body else None
    return await command.run(
        lambda conn: invoices.issue_invoice(conn, invoice_id=invoice_id, date=date, user=user),
        returns=InvoiceRead,
        status_code=200,
    )


@router.post("/{invoice_id}/void", response_model=InvoiceRead)
async def void_invoice(
    invoice_id: InvoiceId, command: WriteCommand, body: InvoiceVoid | None = None
) -> Response:
    """Reverse the issue entry and return the goods; refused once payments were received."""
    user = command.principal.username
    return await command.run(
        lambda conn: invoices.void_invoice(
            conn,
            invoice_id=invoice_id,
            date=body.date if body else None,
            reason=body.reason if body else None,
            user=user,
        ),
        returns=InvoiceRead,
        status_code=200,
    )
