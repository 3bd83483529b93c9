"""Year-end close: the year's income and expenses closed into retained earnings.

One entry (source `year-end`, dated the year's last day) brings every income and expense
account's balance at that day to zero against retained earnings (3200); then the books are
closed through that day. The fiscal year is the calendar year. Closing a year again after an
admin reopened it posts only what changed since: the balances at the year's end already count
the earlier closing entries, so the new entry holds just the difference.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.finance.domain import books
from erp.finance.domain.books import base_currency, close_period, closed_through
from erp.finance.domain.chart import RETAINED_EARNINGS
from erp.finance.domain.journal import Posting, credit, debit, post_entry
from erp.finance.domain.money import ZERO
from erp.finance.models import accounts, journal_lines
from erp.platform.calendar import today
from erp.platform.errors import Conflict, InvalidInput

SOURCE = "year-end"


def source_ref(year: int) -> str:
    return f"year:{year}"


async def result_balances(conn: AsyncConnection, *, through: date) -> dict[str, Decimal]:
    """Net debit (debit - credit) of each income and expense account with a nonzero balance
    at the end of `through`."""
    jl = journal_lines.c
    statement = (
        select(jl.account, func.sum(jl.debit), func.sum(jl.credit))
        .join(accounts, accounts.c.code == jl.account)
        .where(accounts.c.type.in_(("income", "expense")), jl.date <= through)
        .group_by(jl.account)
        .order_by(jl.account)
    )
    nets = {code: Decimal(d) - Decimal(c) for code, d, c in await conn.execute(statement)}
    return {code: net for code, net in nets.items() if net != 0}


async def _refuse_open_earlier_years(
    conn: AsyncConnection, *, year: int, closed: date | None
) -> None:
    """409 naming `year` while an earlier year with postings is not closed (through its end,
    with its income and expenses in retained earnings)."""
    first = (await conn.execute(select(func.min(journal_lines.c.date)))).scalar()
    if first is None or first.year >= year:
        return
    previous_end = date(year - 1, 12, 31)
    closed_in_time = closed is not None and closed >= previous_end
    if closed_in_time and not await result_balances(conn, through=previous_end):
        return
    raise Conflict(
        f"close the years before {year} first (the books have postings from {first.year}; "
        f"closed through {closed.isoformat() if closed else 'none'})",
        field="year",
        closed_through=closed.isoformat() if closed else None,
    )


def closing_lines(nets: dict[str, Decimal]) -> list[Posting]:
    """Each account's balance reversed, the sum to retained earnings."""
    lines = [credit(code, net, net, field="year") for code, net in sorted(nets.items())]
    profit = sum(nets.values(), ZERO)  # net debit of income and expenses: a loss when > 0
    return [*lines, debit(RETAINED_EARNINGS, profit, profit, field="year")]


async def close_year(conn: AsyncConnection, *, year: int, user: str) -> dict[str, Any]:
    """Post the closing entry of `year` (none when there is nothing to close) and close the
    books through its last day."""
    end = date(year, 12, 31)
    now = today()
    if end >= now:
        raise InvalidInput("year", f"year {year} has not ended (today is {now})")
    await books.lock(conn)
    closed = await closed_through(conn)
    if closed is not None and closed >= end:
        raise Conflict(
            f"year {year} is already closed (the books are closed through {closed.isoformat()})",
            field="year",
            closed_through=closed.isoformat(),
        )
    await _refuse_open_earlier_years(conn, year=year, closed=closed)
    nets = await result_balances(conn, through=end)
    entry = None
    if nets:
        currency = await base_currency(conn)
        entry = await post_entry(
            conn,
            date=end,
            memo=f"year-end close {year}: income and expenses to retained earnings",
            source=SOURCE,
            source_ref=source_ref(year),
            currency=currency,
            rate=Decimal(1),
            lines=closing_lines(nets),
            user=user,
        )
    close = await close_period(conn, through=end, user=user)
    return {
        "year": year,
        **close,
        "entry_id": entry["id"] if entry else None,
        "net_profit": -sum(nets.values(), ZERO),
    }
