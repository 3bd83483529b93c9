"""Output and input tax per tax code over a period, from the journal lines finance tags with
their document line's tax code: the same figures as finance's tax report.

A code's kind (output on sales, input on purchases) is not in the events; each entry shows it:
a code tagging a line on sales tax payable (2200) is output, on input tax recoverable (1400)
input; a code with no tax line (zero-rated, exempt) takes the kind of the entry's party
account (receivable 1200: output, payable 2100: input). Tax posted without a code counts by
its account, a row of its own.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.contracts.finance import JournalPosted
from erp.platform.db.upsert import upsert
from erp.reporting.domain.report import Report
from erp.reporting.models import tax_lines

ZERO = Decimal(0)
RECEIVABLE, INPUT_TAX, PAYABLE, TAX_PAYABLE = "1200", "1400", "2100", "2200"
TAX_ACCOUNTS = {"output": TAX_PAYABLE, "input": INPUT_TAX}
KIND_OF_ACCOUNT = {
    TAX_PAYABLE: "output",
    INPUT_TAX: "input",
    RECEIVABLE: "output",
    PAYABLE: "input",
}
# Lines a tax code tags but that are neither the taxed amount nor the tax.
NOT_TAXABLE = (RECEIVABLE, PAYABLE, TAX_PAYABLE, INPUT_TAX)


def _kinds(entry: JournalPosted) -> dict[str | None, str]:
    """Each tax code's kind as the entry shows it (see the module's note)."""
    party = next(
        (KIND_OF_ACCOUNT[ln.account] for ln in entry.lines if ln.account in (RECEIVABLE, PAYABLE)),
        None,
    )
    kinds: dict[str | None, str] = {}
    for ln in entry.lines:
        if ln.tax_code is not None and ln.account in (TAX_PAYABLE, INPUT_TAX):
            kinds[ln.tax_code] = KIND_OF_ACCOUNT[ln.account]
    for ln in entry.lines:
        if ln.tax_code is not None and ln.tax_code not in kinds and party is not None:
            kinds[ln.tax_code] = party
    return kinds


async def record_tax_lines(conn: AsyncConnection, entry: JournalPosted) -> None:
    kinds = _kinds(entry)
    rows = []
    for ln in entry.lines:
        if ln.tax_code is not None:
            kind = kinds.get(ln.tax_code)
        else:
            kind = KIND_OF_ACCOUNT.get(ln.account) if ln.account in TAX_ACCOUNTS.values() else None
        if kind is None:
            continue
        line = {"line_no": ln.line_no, "tax_code": ln.tax_code, "kind": kind,
                "account": ln.account, "debit": ln.debit, "credit": ln.credit}  # fmt: skip
        rows.append({"entry_id": entry.entry_id, "day": entry.date, **line})
    if rows:
        await conn.execute(upsert(conn.dialect, tax_lines), rows)


async def tax_report(conn: AsyncConnection, *, start: dt.date, end: dt.date) -> Report:
    """Per kind and code: the taxable amount (the net lines: credit positive on sales, debit
    positive on purchases) and the tax; totals: output tax, input tax and the net due."""
    t = tax_lines.c
    statement = (
        select(
            t.kind,
            t.tax_code,
            t.account,
            func.sum(t.credit).label("credit"),
            func.sum(t.debit).label("debit"),
        )
        .where(t.day >= start, t.day <= end)
        .group_by(t.kind, t.tax_code, t.account)
    )
    found: dict[tuple[str, str | None], dict[str, Any]] = {}
    for r in await conn.execute(statement):
        sign = Decimal(1) if r.kind == "output" else Decimal(-1)
        row = found.setdefault(
            (r.kind, r.tax_code),
            {"kind": r.kind, "code": r.tax_code, "taxable": ZERO, "tax": ZERO},
        )
        net_credit = sign * (Decimal(r.credit) - Decimal(r.debit))
        if r.account == TAX_ACCOUNTS[r.kind]:
            row["tax"] += net_credit
        elif r.account not in NOT_TAXABLE:
            row["taxable"] += net_credit
    rows = [found[k] for k in sorted(found, key=lambda k: (k[0] != "output", k[1] or "~"))]
    output_tax = sum((r["tax"] for r in rows if r["kind"] == "output"), ZERO)
    input_tax = sum((r["tax"] for r in rows if r["kind"] == "input"), ZERO)
    return Report(
        name="tax",
        params={"from": start.isoformat(), "to": end.isoformat()},
        columns=("kind", "code", "taxable", "tax"),
        rows=rows,
        totals={
            "output_tax": output_tax,
            "input_tax": input_tax,
            "net_due": output_tax - input_tax,
        },
        total_rows=[
            {"kind": "Output tax", "tax": output_tax},
            {"kind": "Input tax", "tax": input_tax},
            {"kind": "Net due", "tax": output_tax - input_tax},
        ],
    )
