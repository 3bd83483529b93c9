"""A small consuming service for the backbone's tests: credits per account.

`credits` gets one row per applied event (no uniqueness, so a second effect would show);
`balances` is a projection that keeps the sequence it was built from and ignores stale events.
"""

from __future__ import annotations

import asyncio
import os
from decimal import Decimal

from sqlalchemy import BigInteger, Column, MetaData, Numeric, String, Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.platform.db import Database
from erp.platform.db.migrations import MigrationSet
from erp.platform.db.tables import BigId, add_platform_tables
from erp.platform.events.envelope import Event
from erp.platform.events.outbox import enqueue
from erp.platform.service import ServiceSpec
from erp.platform.settings import ServiceSettings

TOPIC = "ledger.credited"
SOURCE = "erp/ledger"
metadata = MetaData()
add_platform_tables(metadata)
credits = Table(
    "credits",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("event_id", String(64), nullable=False),
    Column("account", String(64), nullable=False),
    Column("amount", Numeric(18, 2), nullable=False),
)
balances = Table(
    "balances",
    metadata,
    Column("account", String(64), primary_key=True),
    Column("last_amount", Numeric(18, 2), nullable=False),
    Column("sequence", BigInteger, nullable=False),
)


class Behaviour:
    """Knobs the tests turn: a delay per event, subjects whose events fail."""

    delay = float(os.environ.get("SAMPLE_HANDLER_DELAY", "0"))
    failing: set[str] = set(filter(None, os.environ.get("SAMPLE_FAILING", "").split(",")))


async def on_credited(conn: AsyncConnection, event: Event) -> None:
    account = event.subject
    if account in Behaviour.failing:
        raise RuntimeError(f"account {account} is frozen")
    if Behaviour.delay:
        await asyncio.sleep(Behaviour.delay)
    amount = Decimal(event.data["amount"])
    await conn.execute(credits.insert().values(event_id=event.id, account=account, amount=amount))
    # "Latest amount" projection: only a newer sequence replaces it (stale deliveries ignored).
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = insert(balances).values(
        account=account, last_amount=amount, sequence=event.sequence
    )
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[balances.c.account],
            set_={"last_amount": amount, "sequence": event.sequence},
            where=balances.c.sequence < event.sequence,
        )
    )


def spec(name: str = "ledger") -> ServiceSpec:
    return ServiceSpec(
        name=name,
        title="test ledger",
        settings_cls=ServiceSettings,
        migrations=MigrationSet(name, "tests.platform.events:sample_migrations", metadata),
        routers=lambda: [],
        subscriptions={TOPIC: on_credited},
    )


async def create_schema(db: Database) -> None:
    async with db.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)


async def emit(db: Database, amounts: list[tuple[str, int]], *, per_transaction: int = 1) -> None:
    """Commit one credit event per (account, amount), `per_transaction` to a transaction."""
    for start in range(0, len(amounts), per_transaction):
        async with db.transaction() as conn:
            for account, amount in amounts[start : start + per_transaction]:
                await enqueue(
                    conn,
                    metadata,
                    source=SOURCE,
                    topic=TOPIC,
                    subject=account,
                    data={"amount": str(amount)},
                )


async def totals(db: Database) -> tuple[int, int, Decimal]:
    """(credit rows, distinct events, sum of amounts)."""
    from sqlalchemy import func

    async with db.read() as conn:
        rows, distinct, total = (
            await conn.execute(
                select(
                    func.count(),
                    func.count(credits.c.event_id.distinct()),
                    func.coalesce(func.sum(credits.c.amount), 0),
                )
            )
        ).one()
    return int(rows), int(distinct), Decimal(total)
