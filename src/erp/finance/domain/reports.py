"""Queries over the journal: trial balance, account ledger, customer statement, AR aging.
All amounts are in the base currency unless named `amount` (transaction currency)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import func, literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.finance.domain.accounts import get_account
from erp.finance.domain.chart import RECEIVABLE, balance
from erp.finance.domain.money import ZERO
from erp.finance.models import accounts, invoices, journal_entries, journal_lines
from erp.platform.calendar import AsOf

BUCKETS = (("0-30", 0, 30), ("31-60", 31, 60), ("61-90", 61, 90), ("90+", 91, None))


def _lines_as_of(as_of: AsOf, *columns: Any) -> Any:
    """SELECT `columns` from the journal lines that count at `as_of`: dated on or before its
    day, and of its day only those posted by its instant (if it has one)."""
    jl = journal_lines.c
    statement = select(*columns)
    if as_of.instant is None:
        return statement.where(as_of.includes(jl.date, None))
    posted_at = journal_entries.c.posted_at
    return statement.join_from(
        journal_lines, journal_entries, journal_entries.c.id == jl.entry_id
    ).where(as_of.includes(jl.date, posted_at))


def shown(as_of: AsOf) -> dt.date | dt.datetime:
    """`as_of` as an answer gives it back: the day, or the instant."""
    return as_of.day if as_of.instant is None else as_of.instant


async def trial_balance(conn: AsyncConnection, *, as_of: AsOf) -> dict[str, Any]:
    jl = journal_lines.c
    sums = (
        _lines_as_of(
            as_of,
            jl.account,
            func.sum(jl.debit).label("debit"),
            func.sum(jl.credit).label("credit"),
        )
        .group_by(jl.account)
        .subquery()
    )
    statement = (
        select(accounts.c.code, accounts.c.name, accounts.c.type, sums.c.debit, sums.c.credit)
        .join(sums, sums.c.account == accounts.c.code)
        .order_by(accounts.c.code)
    )
    rows = []
    for r in await conn.execute(statement):
        net = Decimal(r.debit) - Decimal(r.credit)
        rows.append(
            {
                "account": r.code,
                "name": r.name,
                "type": r.type,
                "debit": net if net > 0 else ZERO,
                "credit": -net if net < 0 else ZERO,
                "balance": balance(r.type, Decimal(r.debit), Decimal(r.credit)),
            }
        )
    return {
        "as_of": shown(as_of),
        "rows": rows,
        "total_debit": sum((r["debit"] for r in rows), ZERO),
        "total_credit": sum((r["credit"] for r in rows), ZERO),
    }


async def _sum_before(conn: AsyncConnection, *where: Any) -> tuple[Decimal, Decimal]:
    jl = journal_lines.c
    row = (
        await conn.execute(
            select(
                func.coalesce(func.sum(jl.debit), 0), func.coalesce(func.sum(jl.credit), 0)
            ).where(*where)
        )
    ).one()
    return Decimal(row[0]), Decimal(row[1])


def _line(r: Any, running: Decimal) -> dict[str, Any]:
    return {
        "entry_id": r.entry_id,
        "line_no": r.line_no,
        "date": r.date.isoformat(),
        "memo": r.memo,
        "source": r.source,
        "debit": r.debit,
        "credit": r.credit,
        "amount": r.amount,
        "currency": r.currency,
        "party": r.party,
        "sku": r.sku,
        "invoice_id": r.invoice_id,
        "balance": running,
    }


def _lines_query() -> Any:
    return select(
        journal_lines, journal_entries.c.memo, journal_entries.c.source, journal_entries.c.currency
    ).join(journal_entries, journal_entries.c.id == journal_lines.c.entry_id)


async def account_ledger(
    conn: AsyncConnection,
    *,
    code: str,
    date_from: dt.date | None,
    date_to: dt.date | None,
    position: dict[str, Any] | None,
    limit: int,
) -> dict[str, Any]:
    """Lines in (date, id) order with the running balance on the account's normal side."""
    account = await get_account(conn, code=code)
    jl = journal_lines.c
    opening_d, opening_c = (
        await _sum_before(conn, jl.account == code, jl.date < date_from)
        if date_from
        else (ZERO, ZERO)
    )
    opening = balance(account["type"], opening_d, opening_c)
    statement = _lines_query().where(jl.account == code).order_by(jl.date, jl.id).limit(limit + 1)
    if date_from:
        statement = statement.where(jl.date >= date_from)
    if date_to:
        statement = statement.where(jl.date <= date_to)
    running = opening
    if position:
        after = (dt.date.fromisoformat(position["date"]), int(position["id"]))
        statement = statement.where(
            tuple_(jl.date, jl.id) > tuple_(literal(after[0], jl.date.type), literal(after[1]))
        )
        running = Decimal(position["balance"])
    rows = (await conn.execute(statement)).all()
    items = []
    for r in rows[:limit]:
        running += balance(account["type"], r.debit, r.credit)
        items.append({**_line(r, running), "_id": r.id})
    return {"account": code, "type": account["type"], "opening_balance": opening, "items": items,
            "more": len(rows) > limit}  # fmt: skip


async def customer_statement(
    conn: AsyncConnection, *, customer: str, date_from: dt.date | None, date_to: dt.date
) -> dict[str, Any]:
    """The customer's receivable movements with a running balance, and the open invoices."""
    jl = journal_lines.c
    mine = (jl.account == RECEIVABLE, jl.party == customer)
    opening_d, opening_c = (
        await _sum_before(conn, *mine, jl.date < date_from) if date_from else (ZERO, ZERO)
    )
    running = opening = opening_d - opening_c
    statement = _lines_query().where(*mine, jl.date <= date_to).order_by(jl.date, jl.id)
    if date_from:
        statement = statement.where(jl.date >= date_from)
    lines = []
    for r in await conn.execute(statement):
        running += r.debit - r.credit
        lines.append(_line(r, running))
    open_rows = await conn.execute(
        select(invoices)
        .where(invoices.c.customer == customer, invoices.c.open_amount != 0)
        .order_by(invoices.c.id)
    )
    open_invoices = [
        {k: getattr(r, k) for k in ("id", "date", "status", "currency", "total", "open_amount")}
        for r in open_rows
    ]
    return {
        "customer": customer,
        "date_from": date_from,
        "date_to": date_to,
        "opening_balance": opening,
        "closing_balance": running,
        "lines": lines,
        "open_invoices": open_invoices,
    }


def bucket_of(age_days: int) -> str:
    for name, low, high in BUCKETS:
        if age_days >= low and (high is None or age_days <= high):
            return name
    return BUCKETS[0][0]  # dated after as_of: not yet aged


async def ar_aging(conn: AsyncConnection, *, as_of: AsOf) -> dict[str, Any]:
    """Open receivables at `as_of` by days since the invoice date, per customer."""
    jl = journal_lines.c
    sums = (
        _lines_as_of(
            as_of,
            jl.invoice_id,
            func.sum(jl.debit - jl.credit).label("base"),
            func.sum(jl.amount).label("amount"),
        )
        .where(jl.account == RECEIVABLE, jl.invoice_id.is_not(None))
        .group_by(jl.invoice_id)
        .subquery()
    )
    statement = (
        select(invoices.c.id, invoices.c.customer, invoices.c.date, invoices.c.currency, sums)
        .join(sums, sums.c.invoice_id == invoices.c.id)
        .order_by(invoices.c.customer, invoices.c.id)
    )
    customers: dict[str, dict[str, Any]] = {}
    names = [b[0] for b in BUCKETS]
    for r in await conn.execute(statement):
        base = Decimal(r.base)
        if base == 0 and Decimal(r.amount) == 0:
            continue
        row = customers.setdefault(
            r.customer, {"customer": r.customer, **dict.fromkeys(names, ZERO), "total": ZERO}
        )
        row[bucket_of((as_of.day - r.date).days)] += base
        row["total"] += base
    rows = list(customers.values())
    totals = {n: sum((r[n] for r in rows), ZERO) for n in [*names, "total"]}
    return {"as_of": shown(as_of), "buckets": names, "rows": rows, "totals": totals}
