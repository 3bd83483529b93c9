"""The general journal: balanced entries, posted by hand or by the other documents."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from erp.finance.api.deps import Dates, Reading, WriteCommand
from erp.finance.domain import journal
from erp.finance.schemas.journal import (
    JournalEntryCreate,
    JournalEntryRead,
    JournalEntryReverse,
    Source,
)
from erp.platform.api import Paging, RowId
from erp.platform.calendar import today
from erp.platform.pagination import Page

router = APIRouter(prefix="/journal-entries", tags=["journal"])


@router.get("", response_model=Page[JournalEntryRead])
async def list_entries(
    conn: Reading,
    page: Paging,
    dates: Dates,
    source: Annotated[Source | None, Query(description="Only entries from this source.")] = None,
    source_ref: Annotated[
        str | None, Query(max_length=100, description="Only the entries of this document.")
    ] = None,
) -> Page[JournalEntryRead]:
    """Entries with their lines and totals, newest first. `from` after `to` is a 422."""
    fetch = partial(
        journal.list_entries,
        conn,
        source=source,
        source_ref=source_ref,
        date_from=dates.start,
        date_to=dates.end,
    )
    return await page.of(JournalEntryRead, fetch)


@router.post("", status_code=201, response_model=JournalEntryRead)
async def post_entry(body: JournalEntryCreate, command: WriteCommand) -> Response:
    """Post a manual entry. Each line has a debit or a credit, not both, in the entry's
    currency and exact to its minor unit; debits must equal credits (422 otherwise). Amounts
    are converted to the base currency at `rate`, and any difference that conversion alone
    makes goes to the rounding account. Accounts must exist and be active (422 naming the
    line); a date in a closed period is a 409 `period-closed`."""
    return await command.run(
        journal.post_manual, returns=JournalEntryRead, body=body, user=command.user
    )


@router.get("/{entry_id}", response_model=JournalEntryRead)
async def get_entry(entry_id: RowId, conn: Reading) -> JournalEntryRead:
    """One entry with its lines, totals and, once reversed, `reversed_by`; 404 when unknown."""
    return JournalEntryRead.model_validate(await journal.get_entry(conn, entry_id=entry_id))


@router.post("/{entry_id}/reverse", status_code=201, response_model=JournalEntryRead)
async def reverse_entry(
    entry_id: RowId, command: WriteCommand, body: JournalEntryReverse | None = None
) -> Response:
    """Post the mirror of a manual entry (debits and credits swapped), linked both ways.
    Posted entries never change: this is how one is corrected. Entries of invoices, payments
    and stock are corrected through their document instead, an entry is reversed at most once
    and a reversal is not reversed (all 409). The date may not precede the entry's (422) nor
    fall in a closed period (409); `reason` becomes the reversal's memo."""
    return await command.run(
        journal.reverse_entry,
        returns=JournalEntryRead,
        entry_id=entry_id,
        date=body.date if body and body.date else today(),
        reason=body.reason if body else None,
        user=command.user,
    )
