"""The books: base currency (fixed once) and the closing date of the periods, moved forward
by closes and back by an admin's reopen (kept with its reason)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.finance.domain.money import minor_unit
from erp.finance.models import books, period_closes, period_reopens
from erp.platform.calendar import today
from erp.platform.errors import Conflict, InvalidInput


class PeriodClosed(Conflict):
    slug, title = "period-closed", "Period closed"

    def __init__(self, *, posting_date: date, closed_through: date, field: str = "date") -> None:
        super().__init__(
            f"{field} {posting_date.isoformat()} is in a closed period: the books are closed "
            f"through {closed_through.isoformat()}",
            field=field,
            closed_through=closed_through.isoformat(),
        )


async def open_books(conn: AsyncConnection, *, base_currency: str) -> None:
    """Record the base currency on first start; refuse to run with a different one later."""
    minor_unit(base_currency, field="ERP_BASE_CURRENCY")
    kept = (await conn.execute(select(books.c.base_currency))).scalar()
    if kept is None:
        await conn.execute(
            books.insert().values(id=1, base_currency=base_currency, created_at=datetime.now(UTC))
        )
    elif kept != base_currency:
        raise RuntimeError(
            f"ERP_BASE_CURRENCY is {base_currency} but these books are kept in {kept}"
        )


async def base_currency(conn: AsyncConnection) -> str:
    kept = (await conn.execute(select(books.c.base_currency))).scalar()
    if kept is None:
        raise RuntimeError("the finance books are not opened yet (start the finance service)")
    return str(kept)


async def closed_through(conn: AsyncConnection) -> date | None:
    statement = select(period_closes.c.closed_through).order_by(period_closes.c.id.desc())
    return (await conn.execute(statement.limit(1))).scalar()


async def check_open(conn: AsyncConnection, posting_date: date, *, field: str = "date") -> None:
    """Nothing may be posted on or before the closing date (409 naming the date). The shared
    lock on the books row orders this check against a concurrent close."""
    await conn.execute(select(books.c.id).with_for_update(read=True))
    closed = await closed_through(conn)
    if closed is not None and posting_date <= closed:
        raise PeriodClosed(posting_date=posting_date, closed_through=closed, field=field)


async def first_open_day(conn: AsyncConnection, wanted: date) -> date:
    """`wanted`, or the day after the closing date when `wanted` falls in a closed period."""
    closed = await closed_through(conn)
    if closed is not None and wanted <= closed:
        return date.fromordinal(closed.toordinal() + 1)
    return wanted


async def lock(conn: AsyncConnection) -> None:
    """Take the books row for update: closes and reopens run one at a time, after postings
    already checking a date (`check_open`)."""
    await conn.execute(select(books.c.id).with_for_update())


async def close_period(conn: AsyncConnection, *, through: date, user: str) -> dict[str, Any]:
    now = today()
    await lock(conn)
    if through > now:
        raise InvalidInput("date", f"cannot close a period that has not ended (today is {now})")
    closed = await closed_through(conn)
    if closed is not None and through < closed:
        raise Conflict(
            f"the books are already closed through {closed.isoformat()}; an admin may reopen "
            "them (POST /periods/reopen)",
            field="date",
            closed_through=closed.isoformat(),
        )
    row = (
        await conn.execute(
            period_closes.insert()
            .values(closed_through=through, closed_at=datetime.now(UTC), closed_by=user)
            .returning(period_closes)
        )
    ).one()
    return dict(row._mapping)


async def reopen_period(
    conn: AsyncConnection, *, from_day: date, reason: str, user: str
) -> dict[str, Any]:
    """Move the closing date back to the day before `from_day` and keep who, when, from, to
    and why. Reopening what is not closed is a 409 naming `date`."""
    await lock(conn)
    closed = await closed_through(conn)
    if closed is None or from_day > closed:
        shown = "none is closed" if closed is None else f"closed through {closed.isoformat()}"
        raise Conflict(
            f"date {from_day.isoformat()} is not in a closed period ({shown})",
            field="date",
            closed_through=closed.isoformat() if closed else None,
        )
    now = datetime.now(UTC)
    through = from_day - timedelta(days=1)
    close_id = (
        await conn.execute(
            period_closes.insert()
            .values(closed_through=through, closed_at=now, closed_by=user)
            .returning(period_closes.c.id)
        )
    ).scalar_one()
    row = (
        await conn.execute(
            period_reopens.insert()
            .values(
                close_id=close_id,
                reopened_from=closed,
                closed_through=through,
                reopened_at=now,
                reopened_by=user,
                reason=reason,
            )
            .returning(period_reopens)
        )
    ).one()
    return dict(row._mapping)


async def period_history(conn: AsyncConnection) -> list[dict[str, Any]]:
    """Every change of the closing date, oldest first: closes, and reopens with their reason."""
    pc, pr = period_closes.c, period_reopens.c
    statement = (
        select(pc.closed_through, pc.closed_at, pc.closed_by, pr.reason)
        .outerjoin_from(period_closes, period_reopens, pr.close_id == pc.id)
        .order_by(pc.id)
    )
    history: list[dict[str, Any]] = []
    previous: date | None = None
    for r in await conn.execute(statement):
        history.append(
            {
                "action": "close" if r.reason is None else "reopen",
                "closed_through": r.closed_through,
                "previously_closed_through": previous,
                "at": r.closed_at,
                "by": r.closed_by,
                "reason": r.reason,
            }
        )
        previous = r.closed_through
    return history
