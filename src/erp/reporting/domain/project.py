"""Writing what events change into the read models, inside the consumer's transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import false, func
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.platform.db.upsert import Excluded, increment, prefer_proposed, upsert
from erp.platform.events.envelope import Event
from erp.reporting.domain.changes import KEY_COLUMNS, SUM_COLUMNS, Changes, LinkHalf
from erp.reporting.domain.writes import add_rows
from erp.reporting.models import (
    ledger_accounts,
    metadata,
    positions,
    report_generations,
    report_marks,
    stock_links,
)


async def write_changes(conn: AsyncConnection, changes: Changes) -> None:
    for name, rows in changes.sums.items():
        keys, sums = KEY_COLUMNS[name], SUM_COLUMNS[name]
        records: list[dict[str, Any]] = [
            {**dict(zip(keys, key, strict=True)), **dict(zip(sums, values, strict=True))}
            for key, values in sorted(rows.items(), key=lambda kv: str(kv[0]))
        ]
        if "lines" in sums:  # a count, not an amount
            for record in records:
                record["lines"] = int(record["lines"])
        await add_rows(conn, metadata.tables[name], records, keys=keys)
    if changes.accounts:
        statement = upsert(
            conn.dialect,
            ledger_accounts,
            conflict=[ledger_accounts.c.code],
            set_=lambda new: {"type": new.type},
        )
        await conn.execute(
            statement, [{"code": c, "type": t} for c, t in sorted(changes.accounts.items())]
        )
    for half in changes.links:
        await write_link(conn, half)
    await bump(conn, changes.families)


async def write_link(conn: AsyncConnection, half: LinkHalf) -> None:
    """Record one half; the row is closed when the other half agrees (same day, same value)."""
    mine, other = ("stock", "ledger") if half.side == "stock" else ("ledger", "stock")
    values: dict[str, Any] = {
        "movement_id": half.movement_id,
        "warehouse": half.warehouse,
        "stock_day": None,
        "stock_value": None,
        "ledger_day": None,
        "ledger_value": None,
        "is_open": True,
        f"{mine}_day": half.day,
        f"{mine}_value": half.value,
    }
    t = stock_links.c

    def updates(new: Excluded) -> dict[str, Any]:
        agrees = (t[f"{other}_day"] == new[f"{mine}_day"]) & (
            t[f"{other}_value"] == new[f"{mine}_value"]
        )
        changed: dict[str, Any] = {
            f"{mine}_day": new[f"{mine}_day"],
            f"{mine}_value": new[f"{mine}_value"],
            "is_open": ~func.coalesce(agrees, false()),
        }
        if half.side == "stock":
            changed["warehouse"] = new.warehouse
        return changed

    await conn.execute(
        upsert(conn.dialect, stock_links, values, conflict=[t.movement_id], set_=updates)
    )


async def bump(conn: AsyncConnection, families: dict[str, dt.date]) -> None:
    """Move each changed family's generation and mark the month of its earliest change."""
    for family, day in sorted(families.items()):
        generation = await next_generation(conn, family)
        await conn.execute(
            upsert(
                conn.dialect,
                report_marks,
                {"family": family, "month": day.replace(day=1), "generation": generation},
                conflict=[report_marks.c.family, report_marks.c.month],
                set_=lambda new: {"generation": new.generation},
            )
        )


async def next_generation(conn: AsyncConnection, family: str) -> int:
    """The row lock taken here orders the writers of one family by commit."""
    return await increment(conn, report_generations.c.generation, {"family": family})


async def advance_position(conn: AsyncConnection, event: Event) -> None:
    row = {
        "source": event.source,
        "last_time": event.time,
        "last_sequence": event.sequence,
        "events": 1,
    }
    t = positions.c

    def advance(new: Excluded) -> dict[str, Any]:
        newer = new.last_time >= t.last_time
        return {
            **prefer_proposed(newer, new, t, ("last_sequence", "last_time")),
            "events": t.events + 1,
        }

    await conn.execute(upsert(conn.dialect, positions, row, conflict=[t.source], set_=advance))


async def invalidate_everything(conn: AsyncConnection, families: tuple[str, ...]) -> None:
    """After a rebuild: no cached answer from before stays valid."""
    await bump(conn, dict.fromkeys(families, dt.date(1, 1, 1)))
