"""Customer credit notes against issued invoices, and refunds and allocations of the credit."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from erp.finance.api.deps import InvoiceReading, WriteCommand
from erp.finance.domain import credit_notes
from erp.finance.schemas.credit_notes import (
    CreditNoteAllocate,
    CreditNoteCreate,
    CreditNoteRead,
    CreditNoteRefund,
)
from erp.platform.api import Paging, RowId
from erp.platform.db.tables import MAX_ID
from erp.platform.pagination import Page

router = APIRouter(prefix="/credit-notes", tags=["credit notes"])
InvoiceFilter = Annotated[
    int | None, Query(ge=1, le=MAX_ID, description="Only credit notes of this invoice.")
]
Customer = Annotated[str | None, Query(max_length=200, description="Only this customer's.")]


@router.get("", response_model=Page[CreditNoteRead])
async def list_credit_notes(
    conn: InvoiceReading, page: Paging, invoice: InvoiceFilter = None, customer: Customer = None
) -> Page[CreditNoteRead]:
    """Credit notes with their lines and settlements, newest first."""
    fetch = partial(credit_notes.list_credit_notes, conn, invoice=invoice, customer=customer)
    return await page.of(CreditNoteRead, fetch)


@router.post("", status_code=201, response_model=CreditNoteRead)
async def create_credit_note(body: CreditNoteCreate, command: WriteCommand) -> Response:
    """Credit some lines and quantities of an issued invoice, posted at once (201): Dr sales
    and Dr tax payable for the credited net and tax (the invoice line's share of the quantity;
    the last units of a line take exactly what is left), Cr receivable tagged with the
    invoice, at the invoice's rate. The invoice's open amount goes down by the total; what it
    cannot take (the invoice was paid beyond what remains) is the `unapplied` customer credit.
    Lines with `return_goods` (the default) come back to stock at the cost they left with.
    An unknown invoice is a 422 naming `invoice`, one not issued (draft, pending, on hold,
    void) a 409; a line the invoice does not have a 422 naming `lines.<i>.line_no`, more than
    is left to credit of a line one naming `lines.<i>.quantity`; a date before the invoice's
    or after today a 422 naming `date`, one in a closed period a 409 naming `date` and
    `closed_through`."""
    return await command.run(
        credit_notes.create_credit_note, returns=CreditNoteRead, body=body, user=command.user
    )


@router.get("/{credit_note_id}", response_model=CreditNoteRead)
async def get_credit_note(credit_note_id: RowId, conn: InvoiceReading) -> CreditNoteRead:
    """One credit note with its lines and settlements; 404 when unknown."""
    note = await credit_notes.get_credit_note(conn, credit_note_id=credit_note_id)
    return CreditNoteRead.model_validate(note)


@router.post("/{credit_note_id}/refund", status_code=201, response_model=CreditNoteRead)
async def refund_credit_note(
    credit_note_id: RowId, body: CreditNoteRefund, command: WriteCommand
) -> Response:
    """Pay out unapplied customer credit (201, the credit note with its settlements): Dr
    receivable (tagged with the credit note's invoice) / Cr the cash or bank account, at the
    invoice's rate. More than the unapplied credit is a 422 naming `amount`, an account not
    marked `cash_or_bank` one naming `account`, a date before the credit note's one naming
    `date`; 404 when unknown."""
    return await command.run(
        credit_notes.refund,
        returns=CreditNoteRead,
        credit_note_id=credit_note_id,
        body=body,
        user=command.user,
    )


@router.post("/{credit_note_id}/allocate", status_code=201, response_model=CreditNoteRead)
async def allocate_credit_note(
    credit_note_id: RowId, body: CreditNoteAllocate, command: WriteCommand
) -> Response:
    """Apply unapplied customer credit to another open invoice of the same customer and
    currency (201, the credit note with its settlements): Dr receivable of the credit note's
    invoice / Cr receivable of the other, each at its invoice's rate (a difference is an
    exchange gain or loss). The other invoice counts it as paid. Another customer's or
    currency's invoice is a 422 naming `invoice`, one not issued or partly paid a 409; more
    than the unapplied credit or the invoice's open amount a 422 naming `amount`."""
    return await command.run(
        credit_notes.allocate,
        returns=CreditNoteRead,
        credit_note_id=credit_note_id,
        body=body,
        user=command.user,
    )
