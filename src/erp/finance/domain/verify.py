"""Recompute what the books keep and report every difference (`erp finance verify`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.finance.domain.chart import INVENTORY, RECEIVABLE
from erp.finance.models import accounts, invoices, journal_lines


@dataclass(frozen=True)
class Mismatch:
    what: str  # "entry 12", "account 1300", "invoice 4"
    check: str
    kept: Decimal
    recomputed: Decimal


async def verify_books(conn: AsyncConnection) -> tuple[int, list[Mismatch]]:
    """(entries checked, mismatches)."""
    jl = journal_lines.c
    mismatches: list[Mismatch] = []
    entries = (
        await conn.execute(
            select(jl.entry_id, func.sum(jl.debit), func.sum(jl.credit)).group_by(jl.entry_id)
        )
    ).all()
    for entry_id, d, c in entries:
        if Decimal(d) != Decimal(c):
            mismatches.append(Mismatch(f"entry {entry_id}", "debits = credits", d, c))
    sums = {
        r.account: (Decimal(r.d), Decimal(r.c))
        for r in await conn.execute(
            select(
                jl.account, func.sum(jl.debit).label("d"), func.sum(jl.credit).label("c")
            ).group_by(jl.account)
        )
    }
    zero = (Decimal(0), Decimal(0))
    for r in await conn.execute(select(accounts).order_by(accounts.c.code)):
        d, c = sums.get(r.code, zero)
        if r.debit_total != d:
            mismatches.append(Mismatch(f"account {r.code}", "debit total", r.debit_total, d))
        if r.credit_total != c:
            mismatches.append(Mismatch(f"account {r.code}", "credit total", r.credit_total, c))
    receivable = {
        r.invoice_id: (Decimal(r.amount), Decimal(r.base))
        for r in await conn.execute(
            select(
                jl.invoice_id,
                func.sum(jl.amount).label("amount"),
                func.sum(jl.debit - jl.credit).label("base"),
            )
            .where(jl.account == RECEIVABLE, jl.invoice_id.is_not(None))
            .group_by(jl.invoice_id)
        )
    }
    for r in await conn.execute(select(invoices).order_by(invoices.c.id)):
        amount, base = receivable.get(r.id, zero)
        if r.open_amount != amount:
            mismatches.append(Mismatch(f"invoice {r.id}", "open amount", r.open_amount, amount))
        if r.open_base != base:
            mismatches.append(Mismatch(f"invoice {r.id}", "open base amount", r.open_base, base))
    return len(entries), mismatches


async def inventory_balance(conn: AsyncConnection) -> Decimal:
    d, c = (
        await conn.execute(
            select(
                func.coalesce(func.sum(journal_lines.c.debit), 0),
                func.coalesce(func.sum(journal_lines.c.credit), 0),
            ).where(journal_lines.c.account == INVENTORY)
        )
    ).one()
    return Decimal(d) - Decimal(c)
