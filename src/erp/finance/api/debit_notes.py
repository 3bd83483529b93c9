"""Debit notes: suppliers' credits against their bills."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from erp.finance.api.deps import Reading, WriteCommand
from erp.finance.domain import debit_notes
from erp.finance.schemas.debit_notes import DebitNoteCreate, DebitNoteRead
from erp.platform.api import RowId

router = APIRouter(tags=["bills"])


@router.post("/bills/{bill_id}/debit-notes", status_code=201, response_model=DebitNoteRead)
async def post_debit_note(bill_id: RowId, body: DebitNoteCreate, command: WriteCommand) -> Response:
    """Enter a supplier's credit note against bill `bill_id` as a debit note, posted at the
    bill's rate: Dr accounts payable (2100, tagged with the bill: its open amount goes down),
    Cr goods received not invoiced (2150) what each credited receipt line cleared pro rata to
    the quantity, Cr/Dr purchase price variance (5200) the rest of its net as the bill booked
    it, Cr an expense line's account, Cr input tax recoverable (1400). 404 for an unknown
    bill; 422 naming `lines.<i>.bill_line` for a line the bill does not have,
    `lines.<i>.quantity` for more than the line billed less earlier debit notes, `lines` when
    the total passes what the bill still owes, `date` before the bill's; 409 naming `number`
    when the supplier's credit note was entered already."""
    return await command.run(
        debit_notes.post_debit_note,
        returns=DebitNoteRead,
        bill_id=bill_id,
        body=body,
        user=command.user,
    )


@router.get("/debit-notes/{debit_note_id}", response_model=DebitNoteRead)
async def get_debit_note(debit_note_id: RowId, conn: Reading) -> DebitNoteRead:
    """One debit note with its lines; 404 when unknown."""
    found = await debit_notes.get_debit_note(conn, debit_note_id=debit_note_id)
    return DebitNoteRead.model_validate(found)
