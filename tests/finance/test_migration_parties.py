"""The parties migration: every name older invoices and payments hold becomes a customer
(names equal but for case stay two customers), old invoices are due on their date, and the
previous release, which knows no parties, still writes invoices on the new schema."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from erp.finance.domain.invoices import get_invoice
from erp.finance.main import SPEC
from erp.finance.models import invoices, parties
from erp.platform.db import Database
from erp.platform.db.migrations import served_code, upgrade
from tests.finance.conftest import PG_SERVER, Databases, _pg

PREVIOUS = "20261207_0004"
PARTIES = "20261207_0005"  # the migration under test
DAY = dt.date(2026, 3, 1)


async def _empty(backend: str, databases: Databases, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'finance.db'}"
    name = f"{databases.run}_parties_{uuid.uuid4().hex[:8]}"
    await _pg(f'CREATE DATABASE "{name}"')
    databases.created.append(name)
    return f"postgresql+asyncpg://{PG_SERVER.split('://')[1]}/{name}"


async def _invoice_as_previous_release(db: Database, customer: str) -> int:
    """A draft as the previous release writes it: a free-text customer and no due date."""
    now = dt.datetime.now(dt.UTC)
    zero = Decimal(0)
    async with db.transaction() as conn:
        statement = invoices.insert().values(
            customer=customer, currency="USD", rate=Decimal(1), date=DAY, status="draft",
            issue_no=0, subtotal=Decimal(5), tax_total=zero, total=Decimal(5), paid_amount=zero,
            open_amount=zero, open_base=zero, created_at=now, created_by="old", updated_at=now,
        )  # fmt: skip
        return int((await conn.execute(statement.returning(invoices.c.id))).scalar_one())


async def test_upgrade_makes_customers_of_old_names_and_serves_the_previous_release(
    backend: str, databases: Databases, tmp_path: Path
) -> None:
    url = await _empty(backend, databases, tmp_path)
    await asyncio.to_thread(upgrade, SPEC.migrations, url, PREVIOUS)
    db = Database(url)
    try:
        for name in ("ACME Ltd", "acme ltd", "Beta", "Beta"):
            await _invoice_as_previous_release(db, name)
        await asyncio.to_thread(upgrade, SPEC.migrations, url)
        async with db.read() as conn:
            rows = (await conn.execute(select(parties))).all()
            assert sorted((r.code, r.code_key, r.terms_days) for r in rows) == [
                ("ACME Ltd", "acme ltd", 0),
                ("Beta", "beta", 0),
                ("acme ltd", "acme ltd~", 0),
            ]
            due = (await conn.execute(select(invoices.c.due_date))).scalars().all()
            assert set(due) == {DAY}
        # The previous release leaves the due date out: such an invoice is due on its date.
        late = await _invoice_as_previous_release(db, "Gamma")
        async with db.read() as conn:
            assert (await get_invoice(conn, invoice_id=late))["due_date"] == DAY
    finally:
        await db.dispose()
    assert PREVIOUS in served_code(SPEC.migrations.scripts(), PARTIES)
