from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from erp.finance.api.deps import Reader, WriteCommand
from erp.finance.domain import journal
from erp.finance.domain.invoices import today
from erp.finance.schemas.journal import (
    JournalEntryCreate,
    JournalEntryRead,
    JournalEntryReverse,
    Source,
)
from erp.platform.api import DEFAULT_LIMIT, Cursor, Limit, ReadConnection, RowId
from erp.platform.pagination import Page, decode_cursor, page_of

router = APIRouter(prefix="/journal-entries", tags=["journal"])
EntryId = RowId


@router.get("", response_model=Page[JournalEntryRead])
async def list_entries(
    conn: ReadConnection,
    _: Reader,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    source: Annotated[Source | None, Query()] = None,
    source_ref: Annotated[str | None, Query(max_length=100)] = None,
    date_from: Annotated[dt.date | None, Query(alias="from")] = None,
    date_to: Annotated[dt.date | None, Query(alias="to")] = None,
) -> Page[JournalEntryRead]:
    """Newest first."""
    position = decode_cursor(cursor, fields={"id": int})
    rows = await journal.list_entries(
        conn,
        limit=limit + 1,
        before_id=int(position["id"]) if position else None,
        source=source,
        source_ref=source_ref,
        date_from=date_from,
        date_to=date_to,
    )
    return page_of(
        [JournalEntryRead.model_validate(r) for r in rows], limit, lambda e: {"id": e.id}
    )


@router.post("", status_code=201, response_model=JournalEntryRead)
async def post_entry(body: JournalEntryCreate, command: WriteCommand) -> Response:
    user = command.principal.username
    return await command.run(
        lambda conn: journal.post_manual(conn, body=body, user=user), returns=JournalEntryRead
    )


@router.get("/{entry_id}", response_model=JournalEntryRead)
async def get_entry(entry_id: EntryId, conn: ReadConnection, _: Reader) -> JournalEntryRead:
    return JournalEntryRead.model_validate(await journal.get_entry(conn, entry_id=entry_id))


@router.post("/{entry_id}/reverse", status_code=201, response_model=JournalEntryRead)
async def reverse_entry(
    entry_id: EntryId, command: WriteCommand, body: JournalEntryReverse | None = None
) -> Response:
    """Post the mirror entry of a manual entry and link both."""
    user = command.principal.username
    date = body.date if body and body.date else today()
    memo = body.memo if body else None
    return await command.run(
        lambda conn: journal.reverse_entry(
            conn, entry_id=entry_id, date=date, memo=memo, user=user
        ),
        returns=JournalEntryRead,
    )
