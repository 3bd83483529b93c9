from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from erp.finance.api.deps import Reader, WriteCommand
from erp.finance.domain import accounts, reports
from erp.finance.schemas.accounts import (
    AccountCreate,
    AccountLedgerRead,
    AccountRead,
    AccountUpdate,
)
from erp.platform.api import DEFAULT_LIMIT, Cursor, Limit, ReadConnection
from erp.platform.errors import InvalidInput
from erp.platform.pagination import Page, decode_cursor, encode_cursor, page_of

router = APIRouter(prefix="/accounts", tags=["accounts"])
CodePath = Annotated[str, Path(max_length=16)]


@router.get("", response_model=Page[AccountRead])
async def list_accounts(
    conn: ReadConnection,
    _: Reader,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    active: bool | None = None,
) -> Page[AccountRead]:
    """The chart in code order; `parent` links make the tree."""
    position = decode_cursor(cursor, fields={"code": str})
    rows = await accounts.list_accounts(
        conn, after=position["code"] if position else None, limit=limit + 1, active=active
    )
    return page_of([AccountRead.model_validate(r) for r in rows], limit, lambda a: {"code": a.code})


@router.post("", status_code=201, response_model=AccountRead)
async def create_account(body: AccountCreate, command: WriteCommand) -> Response:
    return await command.run(
        lambda conn: accounts.create_account(conn, data=body), returns=AccountRead
    )


@router.get("/{code}", response_model=AccountRead)
async def get_account(code: CodePath, conn: ReadConnection, _: Reader) -> AccountRead:
    return AccountRead.model_validate(await accounts.get_account(conn, code=code))


@router.patch("/{code}", response_model=AccountRead)
async def update_account(code: CodePath, body: AccountUpdate, command: WriteCommand) -> Response:
    return await command.run(
        lambda conn: accounts.update_account(conn, code=code, data=body),
        returns=AccountRead,
        status_code=200,
    )


@router.get("/{code}/ledger", response_model=AccountLedgerRead)
async def account_ledger(
    code: CodePath,
    conn: ReadConnection,
    _: Reader,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    date_from: Annotated[dt.date | None, Query(alias="from")] = None,
    date_to: Annotated[dt.date | None, Query(alias="to")] = None,
) -> AccountLedgerRead:
    """The account's lines in date order with the running balance on its normal side."""
    if date_from and date_to and date_from > date_to:
        raise InvalidInput("from", "must not be after 'to'")
    position = decode_cursor(cursor, fields={"date": dt.date, "id": int, "balance": Decimal})
    result = await reports.account_ledger(
        conn, code=code, date_from=date_from, date_to=date_to, position=position, limit=limit
    )
    items = result.pop("items")
    last = items[-1] if items else None
    next_cursor = (
        encode_cursor({"date": last["date"], "id": last["_id"], "balance": str(last["balance"])})
        if result.pop("more") and last
        else None
    )
    return AccountLedgerRead.model_validate({**result, "items": items, "next_cursor": next_cursor})
