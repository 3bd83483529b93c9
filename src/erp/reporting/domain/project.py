"""Writing what events change into the read models, inside the consumer's transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import case, false, func
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.platform.events.envelope import Event
from erp.reporting.domain.changes import KEY_COLUMNS, SUM_COLUMNS, Changes, LinkHalf
from erp.reporting.domain.writes import add_rows, insert_for
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
        statement = insert_for(conn, ledger_accounts)
        statement = statement.on_conflict_do_update(
            index_elements=[ledger_accounts.c.code], set_={"type": statement.excluded.type}
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
    statement = insert_for(conn, stock_links).values(values)
    t, new = stock_links.c, statement.excluded
    agrees = (t[f"{other}_day"] == new[f"{mine}_day"]) & (
        t[f"{other}_value"] == new[f"{mine}_value"]
    )
    updates: dict[str, Any] = {
        f"{mine}_day": new[f"{mine}_day"],
        f"{mine}_value": new[f"{mine}_value"],
        "is_open": ~func.coalesce(agrees, false()),
    }
    if half.side == "stock":
        updates["warehouse"] = new.warehouse
    await conn.execute(
        statement.on_conflict_do_update(index_elements=[t.movement_id], set_=updates)
    )


async def bump(conn: AsyncConnection, families: dict[str, dt.date]) -> None:
    """Move each changed family's generation and mark the month of its earliest change."""
    for family, day in sorted(families.items()):
        generation = await next_generation(conn, family)
        statement = insert_for(conn, report_marks).values(
            family=family, month=day.replace(day=1), generation=generation
        )
        await conn.execute(
            statement.on_conflict_do_update(
                index_elements=[report_marks.c.family, report_marks.c.month],
                set_={"generation": statement.excluded.generation},
            )
        )


async def next_generation(conn: AsyncConnection, family: str) -> int:
    """The row lock taken here orders the writers of one family by commit."""
    statement = insert_for(conn, report_generations).values(family=family, generation=1)
    statement = statement.on_conflict_do_update(
        index_elements=[report_generations.c.family],
        set_={"generation": report_generations.c.generation + 1},
    ).returning(report_generations.c.generation)
    return int((await conn.execute(statement)).scalar_one())


async def advance_position(conn: AsyncConnection, event: Event) -> None:
    statement = insert_for(conn, positions).values(
        source=event.source, last_time=event.time, last_sequence=event.sequence, events=1
    )
    newer = statement.excluded.last_time >= positions.c.last_time
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[positions.c.source],
            set_={
                "last_sequence": case(
                    (newer, statement.excluded.last_sequence), else_=positions.c.last_sequence
                ),
                "last_time": case(
                    (newer, statement.excluded.last_time), else_=positions.c.last_time
                ),
                "events": positions.c.events + 1,
            },
        )
    )


async def invalidate_everything(conn: AsyncConnection, families: tuple[str, ...]) -> None:
    """After a rebuild: no cached answer from before stays valid."""
    await bump(conn, dict.fromkeys(families, dt.date(1, 1, 1)))
