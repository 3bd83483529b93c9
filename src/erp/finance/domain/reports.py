"""Queries over the journal: trial balance, account ledger, customer statement, AR aging.
All amounts are in the base currency unless named `amount` (transaction currency)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, func, literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.finance.domain.accounts import get_account
from erp.finance.domain.chart import PAYABLE, RECEIVABLE, balance
from erp.finance.domain.money import ZERO
from erp.finance.models import accounts, bills, invoices, journal_entries, journal_lines
from erp.platform.calendar import AsOf

# Days past the due date; `current` is not yet due.
BUCKETS = (
    ("current", None, 0),
    ("1-30", 1, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("90+", 91, None),
)


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
    found = await _statement(
        conn, account=RECEIVABLE, party=customer, documents=invoices, party_column="customer",
        date_from=date_from, date_to=date_to,
    )  # fmt: skip
    found["open_invoices"] = found.pop("open_documents")
    return {"customer": customer, **found}


async def supplier_statement(
    conn: AsyncConnection, *, supplier: str, date_from: dt.date | None, date_to: dt.date
) -> dict[str, Any]:
    """The supplier's payable movements with a running balance owed (credit positive), and
    the bills still open."""
    found = await _statement(conn, account=PAYABLE, party=supplier, documents=bills,
                             party_column="supplier", date_from=date_from, date_to=date_to,
                             sign=-1)  # fmt: skip
    found["open_bills"] = found.pop("open_documents")
    return {"supplier": supplier, **found}


async def _statement(
    conn: AsyncConnection,
    *,
    account: str,
    party: str,
    documents: Table,
    party_column: str,
    date_from: dt.date | None,
    date_to: dt.date,
    sign: int = 1,
) -> dict[str, Any]:
    """The party's lines on `account` from `date_from` to `date_to` with a running balance
    (`sign` 1: debit positive), and its documents still open."""
    jl = journal_lines.c
    mine = (jl.account == account, jl.party == party)
    opening_d, opening_c = (
        await _sum_before(conn, *mine, jl.date < date_from) if date_from else (ZERO, ZERO)
    )
    running = opening = (opening_d - opening_c) * sign
    statement = _lines_query().where(*mine, jl.date <= date_to).order_by(jl.date, jl.id)
    if date_from:
        statement = statement.where(jl.date >= date_from)
    lines = []
    for r in await conn.execute(statement):
        running += (r.debit - r.credit) * sign
        lines.append(_line(r, running))
    d = documents.c
    open_rows = await conn.execute(
        select(documents).where(d[party_column] == party, d.open_amount != 0).order_by(d.id)
    )
    fields = ("id", "date", "status", "currency", "total", "open_amount")
    open_documents = [
        {**{k: getattr(r, k) for k in fields}, "due_date": r.due_date or r.date} for r in open_rows
    ]
    return {
        "date_from": date_from,
        "date_to": date_to,
        "opening_balance": opening,
        "closing_balance": running,
        "lines": lines,
        "open_documents": open_documents,
    }


def bucket_of(days_past_due: int) -> str:
    for name, low, high in BUCKETS:
        if (low is None or days_past_due >= low) and (high is None or days_past_due <= high):
            return name
    raise AssertionError("the buckets cover every day")


async def ar_aging(conn: AsyncConnection, *, as_of: AsOf) -> dict[str, Any]:
    """Open receivables at `as_of` by days past their due date, per customer."""
    return await _aging(conn, as_of=as_of, account=RECEIVABLE, documents=invoices,
                        tag=journal_lines.c.invoice_id, party="customer")  # fmt: skip


async def ap_aging(conn: AsyncConnection, *, as_of: AsOf) -> dict[str, Any]:
    """Open payables at `as_of` by days past their due date, per supplier (owed: positive)."""
    return await _aging(conn, as_of=as_of, account=PAYABLE, documents=bills,
                        tag=journal_lines.c.bill_id, party="supplier", sign=-1)  # fmt: skip


async def _aging(
    conn: AsyncConnection,
    *,
    as_of: AsOf,
    account: str,
    documents: Table,
    tag: Any,
    party: str,
    sign: int = 1,
) -> dict[str, Any]:
    """What each document still has on `account` at `as_of` (its lines tagged with it), by
    days past its due date, summed per party; base currency."""
    jl = journal_lines.c
    sums = (
        _lines_as_of(
            as_of,
            tag.label("document_id"),
            func.sum(jl.debit - jl.credit).label("base"),
            func.sum(jl.amount).label("amount"),
        )
        .where(jl.account == account, tag.is_not(None))
        .group_by(tag)
        .subquery()
    )
    d = documents.c
    statement = (
        select(
            d[party].label("party"),
            func.coalesce(d.due_date, d.date).label("due"),
            sums.c.base,
            sums.c.amount,
        )
        .join(sums, sums.c.document_id == d.id)
        .order_by(d[party], d.id)
    )
    rows_by_party: dict[str, dict[str, Any]] = {}
    names = [b[0] for b in BUCKETS]
    for r in await conn.execute(statement):
        base = Decimal(r.base) * sign
        if base == 0 and Decimal(r.amount) == 0:
            continue
        row = rows_by_party.setdefault(
            r.party, {party: r.party, **dict.fromkeys(names, ZERO), "total": ZERO}
        )
        row[bucket_of((as_of.day - r.due).days)] += base
        row["total"] += base
    rows = list(rows_by_party.values())
    totals = {n: sum((r[n] for r in rows), ZERO) for n in [*names, "total"]}
    return {"as_of": shown(as_of), "buckets": names, "rows": rows, "totals": totals}
