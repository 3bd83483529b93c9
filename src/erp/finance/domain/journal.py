"""The double-entry journal: post balanced entries, reverse them, read them back.

Every entry balances exactly in the base currency. Lines keep the base amount (debit or
credit) and the signed transaction-currency amount. A difference that only comes from
converting balanced transaction amounts to the base currency is posted explicitly to the
rounding account, never absorbed into another line. Posted entries are never changed:
a correction is a reversal (the mirror entry, linked both ways).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.finance.domain import accounts as chart_accounts
from erp.finance.domain.books import base_currency, check_open
from erp.finance.domain.chart import CONTROL_ACCOUNTS, ROUNDING
from erp.finance.domain.money import MAX_MONEY, ZERO, exact, resolve_rate, to_base, within
from erp.finance.domain.publish import publish_journal_posted
from erp.finance.models import accounts, journal_entries, journal_lines
from erp.finance.schemas.journal import JournalEntryCreate
from erp.platform.errors import Conflict, InvalidInput, NotFound
from erp.platform.listing import Documents, Position


@dataclass
class Posting:
    """One line to post: base-currency debit or credit and the signed transaction amount."""

    account: str
    debit: Decimal
    credit: Decimal
    amount: Decimal
    party: str | None = None
    sku: str | None = None
    invoice_id: int | None = None
    field: str = "lines"  # what a client error about this line names
    bill_id: int | None = None
    tax_code: str | None = None


def debit(account: str, base: Decimal, amount: Decimal, **extra: Any) -> Posting:
    """A debit of `base` (negative turns it into a credit)."""
    if base < 0:
        return Posting(account, ZERO, -base, amount, **extra)
    return Posting(account, base, ZERO, amount, **extra)


def credit(account: str, base: Decimal, amount: Decimal, **extra: Any) -> Posting:
    return debit(account, -base, -amount, **extra)


def with_rounding(lines: list[Posting], *, memo_currency: str) -> list[Posting]:
    """Add the explicit rounding line that conversion to the base currency may need."""
    difference = sum((p.debit - p.credit for p in lines), ZERO)
    if difference == 0:
        return lines
    return [*lines, credit(ROUNDING, difference, ZERO, field=f"rounding ({memo_currency})")]


async def post_entry(
    conn: AsyncConnection,
    *,
    date: dt.date,
    memo: str,
    source: str,
    currency: str,
    rate: Decimal,
    lines: Sequence[Posting],
    user: str,
    source_ref: str | None = None,
    reverses: int | None = None,
    event_key: str | None = None,
) -> dict[str, Any]:
    """Validate and write one entry, keep the account totals in step, publish it."""
    await check_open(conn, date)
    kept = [p for p in lines if p.debit or p.credit or p.amount]
    rows = await chart_accounts.postable(conn, ((p.account, f"{p.field}.account") for p in kept))
    groups = await chart_accounts.group_accounts(conn, rows)
    for p in kept:
        if p.account in groups:
            raise InvalidInput(
                f"{p.field}.account",
                f"{p.account} is a group account (it sums its sub-accounts); post to one of them",
            )
    for p in kept:
        if p.debit < 0 or p.credit < 0:
            raise InvalidInput(p.field, "amounts must not be negative")
        if p.debit and p.credit:
            raise InvalidInput(p.field, "a line has a debit or a credit, not both")
    total_debit = sum((p.debit for p in kept), ZERO)
    total_credit = sum((p.credit for p in kept), ZERO)
    if total_debit != total_credit:
        raise InvalidInput(
            "lines", f"unbalanced entry: debits {total_debit} != credits {total_credit}"
        )
    if total_debit == 0 and not any(p.amount for p in kept):
        raise InvalidInput("lines", "an entry must move some amount")
    within(total_debit, field="lines", what="the entry's total")
    _check_totals_fit(kept, rows)
    now = dt.datetime.now(dt.UTC)
    entry_id = (
        await conn.execute(
            journal_entries.insert()
            .values(
                date=date,
                memo=memo,
                source=source,
                source_ref=source_ref,
                event_key=event_key,
                currency=currency,
                rate=rate,
                reverses=reverses,
                posted_at=now,
                posted_by=user,
            )
            .returning(journal_entries.c.id)
        )
    ).scalar_one()
    values = [
        {
            "entry_id": entry_id,
            "line_no": i,
            "date": date,
            "account": p.account,
            "debit": p.debit,
            "credit": p.credit,
            "amount": p.amount,
            "party": p.party,
            "sku": p.sku,
            "invoice_id": p.invoice_id,
            "bill_id": p.bill_id,
            "tax_code": p.tax_code,
        }
        for i, p in enumerate(kept, start=1)
    ]
    await conn.execute(journal_lines.insert(), values)
    await _add_to_totals(conn, kept)
    entry = await get_entry(conn, entry_id=entry_id)
    # The event's lines carry their tax codes (reporting's tax report), the API's do not.
    codes = {v["line_no"]: v["tax_code"] for v in values}
    coded = [{**ln, "tax_code": codes[ln["line_no"]]} for ln in entry["lines"]]
    await publish_journal_posted(
        conn, entry={**entry, "lines": coded}, account_types={c: r.type for c, r in rows.items()}
    )
    return entry


def _sums(lines: Sequence[Posting]) -> dict[str, tuple[Decimal, Decimal]]:
    """(debit, credit) per account."""
    sums: dict[str, tuple[Decimal, Decimal]] = {}
    for p in lines:
        d, c = sums.get(p.account, (ZERO, ZERO))
        sums[p.account] = (d + p.debit, c + p.credit)
    return sums


def _check_totals_fit(lines: Sequence[Posting], rows: dict[str, Any]) -> None:
    """An account's debit and credit totals must stay within what their columns hold (on
    SQLite an overflowing sum would silently turn into an inexact float)."""
    fields = {p.account: p.field for p in reversed(lines)}  # each account's first line
    for code, (d, c) in _sums(lines).items():
        row = rows[code]
        if row.debit_total + d > MAX_MONEY or row.credit_total + c > MAX_MONEY:
            raise InvalidInput(
                f"{fields[code]}.account",
                f"account {code}'s totals would exceed the largest amount the books hold "
                f"({MAX_MONEY})",
            )


async def _add_to_totals(conn: AsyncConnection, lines: Sequence[Posting]) -> None:
    """Keep account totals in step; accounts in code order so writers never deadlock."""
    sums = _sums(lines)
    for code in sorted(sums):
        d, c = sums[code]
        await conn.execute(
            accounts.update()
            .where(accounts.c.code == code)
            .values(
                debit_total=accounts.c.debit_total + d, credit_total=accounts.c.credit_total + c
            )
        )


async def post_manual(
    conn: AsyncConnection, *, body: JournalEntryCreate, user: str
) -> dict[str, Any]:
    base = await base_currency(conn)
    currency = body.currency or base
    rate = resolve_rate(currency, body.rate, base=base)
    lines: list[Posting] = []
    tx_debit = tx_credit = ZERO
    for i, line in enumerate(body.lines):
        field = f"lines.{i}"
        if line.account in CONTROL_ACCOUNTS:
            raise InvalidInput(
                f"{field}.account",
                f"{line.account} is a control account: {CONTROL_ACCOUNTS[line.account]} post "
                "to it, a manual entry cannot",
            )
        d = exact(line.debit, currency, field=f"{field}.debit")
        c = exact(line.credit, currency, field=f"{field}.credit")
        if d and c:
            raise InvalidInput(field, "a line has a debit or a credit, not both")
        if not d and not c:
            raise InvalidInput(field, "a line needs a debit or a credit")
        tx_debit, tx_credit = tx_debit + d, tx_credit + c
        extra = {"party": line.party, "sku": line.sku, "field": field}
        if d:
            lines.append(
                debit(line.account, to_base(d, rate, base, field=f"{field}.debit"), d, **extra)
            )
        else:
            lines.append(
                credit(line.account, to_base(c, rate, base, field=f"{field}.credit"), c, **extra)
            )
    if tx_debit != tx_credit:
        raise InvalidInput(
            "lines", f"unbalanced entry: debits {tx_debit} != credits {tx_credit} {currency}"
        )
    return await post_entry(
        conn,
        date=body.date,
        memo=body.memo,
        source="manual",
        currency=currency,
        rate=rate,
        lines=with_rounding(lines, memo_currency=currency),
        user=user,
    )


def mirror(lines: Sequence[Any]) -> list[Posting]:
    """The lines that cancel `lines` (rows of journal_lines)."""
    return [
        Posting(
            ln.account,
            ln.credit,
            ln.debit,
            -ln.amount,
            party=ln.party,
            sku=ln.sku,
            invoice_id=ln.invoice_id,
            bill_id=ln.bill_id,
            tax_code=ln.tax_code,
        )
        for ln in lines
    ]


async def reverse_entry(
    conn: AsyncConnection,
    *,
    entry_id: int,
    date: dt.date,
    reason: str | None,
    user: str,
    allowed_sources: tuple[str, ...] = ("manual",),
) -> dict[str, Any]:
    """Post the mirror of entry `entry_id`, dated `date`; its memo is `reason`."""
    original = (
        await conn.execute(
            select(journal_entries).where(journal_entries.c.id == entry_id).with_for_update()
        )
    ).first()
    if original is None:
        raise NotFound(f"journal entry {entry_id} not found")
    if original.source not in allowed_sources:
        raise Conflict(
            f"entry {entry_id} comes from {original.source_ref or original.source}; "
            "correct it through its document (void the invoice, reverse the stock movement)"
        )
    if original.reverses is not None:
        raise Conflict(f"entry {entry_id} is itself a reversal; post a new entry instead")
    already = (
        await conn.execute(
            select(journal_entries.c.id).where(journal_entries.c.reverses == entry_id)
        )
    ).scalar()
    if already is not None:
        raise Conflict(f"entry {entry_id} was already reversed by {already}", reversed_by=already)
    if date < original.date:
        raise InvalidInput("date", f"a reversal cannot precede the entry ({original.date})")
    lines = await ENTRIES.line_rows(conn, entry_id)
    return await post_entry(
        conn,
        date=date,
        memo=reason or f"reversal of entry {entry_id}",
        source=original.source,
        source_ref=original.source_ref,
        currency=original.currency,
        rate=original.rate,
        lines=mirror(lines),
        user=user,
        reverses=entry_id,
    )


ENTRIES = Documents(
    noun="journal entry",
    headers=journal_entries,
    lines=journal_lines,
    owner="entry_id",
    line_fields=("line_no", "account", "debit", "credit", "amount", "party", "sku", "invoice_id"),
    reverses="reverses",
    hidden=("event_key",),
)


def _with_totals(entry: dict[str, Any]) -> dict[str, Any]:
    entry["total_debit"] = sum((ln["debit"] for ln in entry["lines"]), ZERO)
    entry["total_credit"] = sum((ln["credit"] for ln in entry["lines"]), ZERO)
    return entry


async def get_entry(conn: AsyncConnection, *, entry_id: int) -> dict[str, Any]:
    return _with_totals(await ENTRIES.get(conn, entry_id))


async def list_entries(
    conn: AsyncConnection,
    *,
    after: Position | None,
    limit: int,
    source: str | None,
    source_ref: str | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
) -> list[dict[str, Any]]:
    """Newest first."""
    e = journal_entries.c
    entries = await ENTRIES.newest_first(
        conn,
        after=after,
        limit=limit,
        where=(
            e.source == source if source else None,
            e.source_ref == source_ref if source_ref else None,
            e.date >= date_from if date_from else None,
            e.date <= date_to if date_to else None,
        ),
    )
    return [_with_totals(entry) for entry in entries]
