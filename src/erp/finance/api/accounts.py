"""The chart of accounts, and each account's ledger."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from erp.finance.api.deps import Dates, Reading, WriteCommand
from erp.finance.domain import accounts, reports
from erp.finance.schemas.accounts import (
    AccountCreate,
    AccountLedgerRead,
    AccountRead,
    AccountUpdate,
)
from erp.platform.api import Paging
from erp.platform.pagination import Page, decode_cursor, encode_cursor

router = APIRouter(prefix="/accounts", tags=["accounts"])
CodePath = Annotated[str, Path(max_length=16, description="The account's code.")]
Active = Annotated[bool | None, Query(description="Only active or only inactive accounts.")]
LEDGER_KEY = {"date": dt.date, "id": int, "balance": Decimal}


@router.get("", response_model=Page[AccountRead])
async def list_accounts(conn: Reading, page: Paging, active: Active = None) -> Page[AccountRead]:
    """The chart in code order, with each account's totals and balance; `parent` links make
    the tree."""

    async def fetch(*, after: dict[str, Any] | None, limit: int) -> list[dict[str, Any]]:
        code = after["code"] if after else None
        return await accounts.list_accounts(conn, after=code, limit=limit, active=active)

    return await page.of(AccountRead, fetch, key={"code": str})


@router.post("", status_code=201, response_model=AccountRead)
async def create_account(body: AccountCreate, command: WriteCommand) -> Response:
    """Open an account. A child has its parent's type; an unknown parent is a 422 naming
    `parent`, a code already in use a 409 naming `code`."""
    return await command.run(accounts.create_account, returns=AccountRead, data=body)


@router.get("/{code}", response_model=AccountRead)
async def get_account(code: CodePath, conn: Reading) -> AccountRead:
    """One account with its debit and credit totals and its balance on its normal side (see
    `/accounts/{code}/ledger` for the lines behind them); 404 when the code is unknown."""
    return AccountRead.model_validate(await accounts.get_account(conn, code=code))


@router.patch("/{code}", response_model=AccountRead)
async def update_account(code: CodePath, body: AccountUpdate, command: WriteCommand) -> Response:
    """Rename, deactivate or reactivate an account; fields left out keep their value. Nothing
    can be posted to an inactive account. The system accounts that automatic postings use
    stay active (409). 404 when the code is unknown."""
    return await command.run(
        accounts.update_account, returns=AccountRead, status_code=200, code=code, data=body
    )


@router.get("/{code}/ledger", response_model=AccountLedgerRead)
async def account_ledger(
    code: CodePath, conn: Reading, page: Paging, dates: Dates
) -> AccountLedgerRead:
    """The account's journal lines in date order, a page at a time, each with the running
    balance on the account's normal side; `opening_balance` is the balance before `from`.
    `from` after `to` is a 422; 404 when the code is unknown."""
    position = decode_cursor(page.cursor, fields=LEDGER_KEY)
    result = await reports.account_ledger(
        conn,
        code=code,
        date_from=dates.start,
        date_to=dates.end,
        position=position,
        limit=page.limit,
    )
    items = result.pop("items")
    last = items[-1] if items else None
    next_cursor = (
        encode_cursor({"date": last["date"], "id": last["_id"], "balance": str(last["balance"])})
        if result.pop("more") and last
        else None
    )
    return AccountLedgerRead.model_validate({**result, "items": items, "next_cursor": next_cursor})
