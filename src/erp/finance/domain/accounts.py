"""The chart of accounts as a tree: create, rename, (de)activate, look up for posting."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.finance.domain.chart import CASH, CONTROL_ACCOUNTS, balance, normal_side
from erp.finance.models import accounts
from erp.finance.schemas.accounts import AccountCreate, AccountUpdate
from erp.platform.db.lookups import active_rows
from erp.platform.errors import Conflict, InvalidInput, NotFound


def present(row: Any) -> dict[str, Any]:
    data = dict(row._mapping)
    data["normal_side"] = normal_side(data["type"])
    data["balance"] = balance(data["type"], data["debit_total"], data["credit_total"])
    return data


async def get_account(conn: AsyncConnection, *, code: str) -> dict[str, Any]:
    row = (await conn.execute(select(accounts).where(accounts.c.code == code))).first()
    if row is None:
        raise NotFound(f"account {code!r} not found")
    return present(row)


def _check_cash_or_bank(code: str, account_type: str, cash_or_bank: bool | None) -> None:
    if not cash_or_bank:
        return
    if account_type != "asset":
        raise InvalidInput(
            "cash_or_bank",
            f"only an asset account holds cash or a bank balance, not {account_type}",
        )
    if code in CONTROL_ACCOUNTS:
        raise InvalidInput(
            "cash_or_bank", f"{code} is a control account: {CONTROL_ACCOUNTS[code]} post to it"
        )


async def create_account(conn: AsyncConnection, *, data: AccountCreate) -> dict[str, Any]:
    _check_cash_or_bank(data.code, data.type, data.cash_or_bank)
    cash_or_bank = bool(data.cash_or_bank)
    if data.parent is not None:
        parent = (
            await conn.execute(select(accounts).where(accounts.c.code == data.parent))
        ).first()
        if parent is None:
            raise InvalidInput("parent", f"unknown account {data.parent!r}")
        if parent.type != data.type:
            raise InvalidInput("type", f"must equal the parent's type ({parent.type})")
        # A group account only sums its sub-accounts: it never takes postings itself, so one
        # that already has postings, or that automatic postings use, cannot become a group.
        # Cash is the exception: a payment names its account (1100 is only the default), so
        # cash and bank may be split into sub-accounts and payments name one of them.
        if parent.system and parent.code != CASH:
            raise InvalidInput(
                "parent", f"{data.parent} takes automatic postings and cannot have sub-accounts"
            )
        if parent.debit_total or parent.credit_total:
            raise InvalidInput(
                "parent", f"{data.parent} has postings; a group account cannot hold any"
            )
        # A sub-account of cash and bank (a second bank) takes payments too unless told not to.
        cash_or_bank = parent.cash_or_bank if data.cash_or_bank is None else data.cash_or_bank
    exists = (await conn.execute(select(accounts.c.id).where(accounts.c.code == data.code))).first()
    if exists is not None:
        raise Conflict(f"account {data.code!r} already exists", field="code")
    values = {
        **data.model_dump(),
        "cash_or_bank": cash_or_bank,
        "system": False,
        "debit_total": Decimal(0),
        "credit_total": Decimal(0),
        "created_at": datetime.now(UTC),
    }
    try:
        async with conn.begin_nested():
            row = (await conn.execute(accounts.insert().values(**values).returning(accounts))).one()
    except IntegrityError:
        raise Conflict(f"account {data.code!r} already exists", field="code") from None
    return present(row)


async def update_account(
    conn: AsyncConnection, *, code: str, data: AccountUpdate
) -> dict[str, Any]:
    current = await get_account(conn, code=code)
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if changes.get("active") is False and current["system"]:
        raise Conflict(f"account {code} is used by automatic postings and stays active")
    _check_cash_or_bank(code, current["type"], changes.get("cash_or_bank"))
    if changes.get("cash_or_bank") is False and code == CASH:
        raise Conflict(
            f"account {code} is where payments go by default and stays cash or bank",
            field="cash_or_bank",
        )
    if not changes:
        return current
    row = (
        await conn.execute(
            accounts.update().where(accounts.c.code == code).values(**changes).returning(accounts)
        )
    ).one()
    return present(row)


async def postable(conn: AsyncConnection, wanted: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Rows of the accounts named by (code, field); unknown or inactive ones are a 422 naming
    the field."""
    return await active_rows(conn, accounts.c.code, wanted, name="account")


async def cash_account(conn: AsyncConnection, code: str | None, *, what: str) -> str:
    """The cash or bank account money moves through (1100 when none is named); any other is a
    422 naming `account`."""
    account = code or CASH
    rows = await postable(conn, [(account, "account")])
    if not rows[account].cash_or_bank:
        raise InvalidInput("account", f"{account} is not a cash or bank account; {what}")
    return account


async def group_accounts(conn: AsyncConnection, rows: Mapping[str, Any]) -> set[str]:
    """Those of the accounts `rows` (code → account row) that only sum their sub-accounts and
    are never posted to. System accounts take their documents' postings even with
    sub-accounts (in the standard chart cost of goods sold, 5000, groups stock adjustments,
    5100), so postings to system accounts alone, as every automatic posting is, cost no
    query."""
    wanted = {code for code, row in rows.items() if not row.system}
    if not wanted:
        return set()
    child = accounts.alias("child")
    has_children = select(child.c.id).where(child.c.parent == accounts.c.code).exists()
    statement = select(accounts.c.code).where(accounts.c.code.in_(wanted), has_children)
    return {str(code) for code in (await conn.execute(statement)).scalars()}


async def list_accounts(
    conn: AsyncConnection, *, after: str | None, limit: int, active: bool | None
) -> list[dict[str, Any]]:
    statement = select(accounts).order_by(accounts.c.code).limit(limit)
    if after is not None:
        statement = statement.where(accounts.c.code > after)
    if active is not None:
        statement = statement.where(accounts.c.active == active)
    return [present(r) for r in await conn.execute(statement)]
