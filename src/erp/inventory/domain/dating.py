"""The business day a movement counts on, and the rules that keep the ledger in date order.

A movement is dated `posting_date` (today in the company's zone unless given). It may not be
dated after today, on or before the period finance closed last, or before the latest posting
date already on the ledger of any bin it touches. The last rule keeps each bin's lines in date
order, so the moving average is computed in the order the books read it and a position as of
any date is the running balance of one ledger line.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.contracts.finance import PeriodClosed as PeriodClosedEvent
from erp.contracts.finance import PeriodReopened as PeriodReopenedEvent
from erp.inventory.domain.errors import BackDated, PeriodClosed
from erp.inventory.models import closed_period
from erp.platform import calendar
from erp.platform.db.upsert import upsert
from erp.platform.errors import InvalidInput

BinKey = tuple[str, str]


def closed_through_column() -> Any:
    """The last day of the latest period finance closed, as inventory heard of it (NULL when
    none), as a scalar subquery to read beside other rows."""
    return select(closed_period.c.closed_through).scalar_subquery()


async def closed_through(conn: AsyncConnection) -> date | None:
    """The last day of the latest period finance closed, as inventory heard of it."""
    return (await conn.execute(select(closed_period.c.closed_through))).scalar()


async def record_close(conn: AsyncConnection, closed: PeriodClosedEvent) -> None:
    """Keep the latest close; an older one arriving late changes nothing, and neither does
    a close finance made before a reopen already in force."""
    await _keep(
        conn,
        closed.closed_through,
        at=closed.closed_at,
        by=closed.closed_by,
        newer=lambda new: (
            (new.closed_through > closed_period.c.closed_through)
            & (new.closed_at >= closed_period.c.closed_at)
        ),
    )


async def record_reopen(conn: AsyncConnection, reopened: PeriodReopenedEvent) -> None:
    """An admin moved the closing date back: it holds unless finance made a close or reopen
    later than this one (by when finance made them, whatever order they arrive in)."""
    await _keep(
        conn,
        reopened.closed_through,
        at=reopened.reopened_at,
        by=reopened.reopened_by,
        newer=lambda new: new.closed_at >= closed_period.c.closed_at,
    )


async def _keep(
    conn: AsyncConnection, closed_through: date, *, at: Any, by: str, newer: Any
) -> None:
    """The one row of the closing date, replaced when `newer(new row)` holds."""
    values = {"closed_through": closed_through, "closed_at": at, "closed_by": by[:100]}
    await conn.execute(
        upsert(
            conn.dialect,
            closed_period,
            {"id": 1, **values},
            conflict=["id"],
            set_=lambda new: {c: new[c] for c in values},
            where=newer,
        )
    )


async def posting_date_or_today(conn: AsyncConnection, given: date | None) -> date:
    """The date a new movement takes: `given` or today; 422 when it is still to come, 409 when
    it falls in a closed period. The close arrives as an event, so a movement may still be
    dated into a period finance closed a moment ago; finance posts such a late one on its
    first open day."""
    return dated(given, await closed_through(conn))


def dated(given: date | None, closed: date | None) -> date:
    """`posting_date_or_today` with the closed day already read (`closed_through`)."""
    today = calendar.today()
    posting_date = given or today
    if posting_date > today:
        raise InvalidInput(
            "posting_date",
            f"{posting_date} is after today ({today} in the company's time zone)",
            posting_date=posting_date.isoformat(),
        )
    if closed is not None and posting_date <= closed:
        raise PeriodClosed(posting_date=posting_date, closed_through=closed)
    return posting_date


def refuse_back_dating(latest: dict[BinKey, date], posting_date: date) -> None:
    """409 when a bin already has a line dated after `posting_date` (the same day is fine).
    `latest`: each bin's latest posting date, read with the bins locked (then the lines read
    are the latest there will be; `bins.after_lock`)."""
    for key in sorted(latest):
        if latest[key] > posting_date:
            raise BackDated(
                posting_date=posting_date, latest=latest[key], sku=key[0], warehouse=key[1]
            )
