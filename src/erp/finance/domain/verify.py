"""Recompute what the books keep and report every difference (`erp finance verify`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Table, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.finance.domain.chart import GOODS_RECEIVED_NOT_INVOICED, INVENTORY, PAYABLE, RECEIVABLE
from erp.finance.models import (
    accounts,
    bills,
    goods_receipts,
    invoices,
    journal_entries,
    journal_lines,
)

Sums = tuple[Decimal, Decimal]
ZERO = Decimal(0)
_ZEROS: Sums = (ZERO, ZERO)


@dataclass(frozen=True)
class Mismatch:
    what: str  # "entry 12", "account 1300", "invoice 4"
    check: str
    kept: Decimal
    recomputed: Decimal


async def _sums(
    conn: AsyncConnection,
    key: ColumnElement[Any],
    first: ColumnElement[Any],
    second: ColumnElement[Any],
    *where: ColumnElement[bool],
) -> dict[Any, Sums]:
    """Two sums over the journal lines per `key`."""
    statement = select(key, func.sum(first), func.sum(second)).where(*where).group_by(key)
    return {k: (Decimal(a), Decimal(b)) for k, a, b in await conn.execute(statement)}


def _compare(what: str, kept: dict[str, Decimal], recomputed: Sums) -> list[Mismatch]:
    """`kept` names each check; its values are compared in order with `recomputed`."""
    return [
        Mismatch(what, check, k, r)
        for (check, k), r in zip(kept.items(), recomputed, strict=True)
        if k != r
    ]


async def verify_books(conn: AsyncConnection) -> tuple[int, list[Mismatch]]:
    """(entries checked, mismatches)."""
    jl = journal_lines.c
    entries = await _sums(conn, jl.entry_id, jl.debit, jl.credit)
    mismatches = [
        Mismatch(f"entry {entry_id}", "debits = credits", d, c)
        for entry_id, (d, c) in entries.items()
        if d != c
    ]
    by_account = await _sums(conn, jl.account, jl.debit, jl.credit)
    for r in await conn.execute(select(accounts).order_by(accounts.c.code)):
        kept = {"debit total": r.debit_total, "credit total": r.credit_total}
        mismatches += _compare(f"account {r.code}", kept, by_account.get(r.code, _ZEROS))
    receivable = await _sums(
        conn,
        jl.invoice_id,
        jl.amount,
        jl.debit - jl.credit,
        jl.account == RECEIVABLE,
        jl.invoice_id.is_not(None),
    )
    for r in await conn.execute(select(invoices).order_by(invoices.c.id)):
        kept = {"open amount": r.open_amount, "open base amount": r.open_base}
        mismatches += _compare(f"invoice {r.id}", kept, receivable.get(r.id, _ZEROS))
    payable = await _sums(
        conn, jl.bill_id, -jl.amount, jl.credit - jl.debit, jl.account == PAYABLE,
        jl.bill_id.is_not(None),
    )  # fmt: skip
    for r in await conn.execute(select(bills).order_by(bills.c.id)):
        kept = {"open amount": r.open_amount, "open base amount": r.open_base}
        mismatches += _compare(f"bill {r.id}", kept, payable.get(r.id, _ZEROS))
    mismatches += await _parties(conn, "customer", RECEIVABLE, invoices)
    mismatches += await _parties(conn, "supplier", PAYABLE, bills)
    mismatches += await _grni(conn)
    return len(entries), mismatches


async def _parties(
    conn: AsyncConnection, kind: str, control: str, documents: Table
) -> list[Mismatch]:
    """Each party's balance on the control account (every line there, whatever document it
    names or none) equals the open base amounts of its documents. The per-document checks
    above cannot see a line tagged with one party but another's document, or with none."""
    jl = journal_lines.c
    sign = 1 if control == RECEIVABLE else -1  # receivables are debits, payables credits
    by_party = select(jl.party, func.sum(jl.debit - jl.credit)).where(jl.account == control)
    booked = {p: sign * Decimal(v) for p, v in await conn.execute(by_party.group_by(jl.party))}
    party = documents.c[kind]
    by_document = select(party, func.sum(documents.c.open_base)).group_by(party)
    owed = {p: Decimal(v) for p, v in await conn.execute(by_document)}
    mismatches = []
    for code in sorted(booked.keys() | owed.keys(), key=lambda c: c or ""):
        kept, recomputed = booked.get(code, ZERO), owed.get(code, ZERO)
        if kept != recomputed:
            check = f"account {control} equals its documents"
            mismatches.append(Mismatch(f"{kind} {code or '(none)'}", check, kept, recomputed))
    return mismatches


async def _grni(conn: AsyncConnection) -> list[Mismatch]:
    """Goods received not invoiced equals the receipt lines not yet billed: the value of the
    receipts finance keeps, less what bills cleared, plus what the entries of receipts
    posted before receipts were kept put there (no bill can match those)."""
    jl, g = journal_lines.c, goods_receipts.c
    kept_entries = select(goods_receipts.c.entry_id)
    balance, older = (
        await conn.execute(
            select(
                func.coalesce(func.sum(jl.credit - jl.debit), 0),
                func.coalesce(
                    func.sum(jl.credit - jl.debit).filter(
                        journal_entries.c.source == "stock",
                        jl.entry_id.not_in(kept_entries),
                    ),
                    0,
                ),
            )
            .join_from(journal_lines, journal_entries, journal_entries.c.id == jl.entry_id)
            .where(jl.account == GOODS_RECEIVED_NOT_INVOICED)
        )
    ).one()
    unbilled = (
        await conn.execute(select(func.coalesce(func.sum(g.value - g.billed_value), 0)))
    ).scalar_one()
    expected = Decimal(unbilled) + Decimal(older)
    if Decimal(balance) == expected:
        return []
    what = f"account {GOODS_RECEIVED_NOT_INVOICED}"
    return [Mismatch(what, "equals the receipts not yet billed", Decimal(balance), expected)]


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
