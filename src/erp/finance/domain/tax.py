"""Tax codes, the rate a document line takes from its code, and the tax report.

Invoices and bills tag the journal lines they post with each line's tax code: the net line
(sales, the expense or goods received) and the tax line (2200 sales tax payable for output
tax, 1400 input tax recoverable for input tax). The report sums those lines per code over a
period, so a void, a credit note or a reversal, which mirror the lines with their tags, nets
out in the period it is dated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select, type_coerce
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.finance.domain.chart import INPUT_TAX, PAYABLE, RECEIVABLE, TAX_PAYABLE
from erp.finance.domain.money import ZERO
from erp.finance.models import journal_lines, tax_codes
from erp.finance.schemas.tax import TaxCodeCreate, TaxCodeUpdate
from erp.platform.errors import Conflict, InvalidInput, NotFound

TAX_ACCOUNTS = {"output": TAX_PAYABLE, "input": INPUT_TAX}
# Lines a tax code tags but that are neither the taxed amount nor the tax.
_NOT_TAXABLE = (RECEIVABLE, PAYABLE, TAX_PAYABLE, INPUT_TAX)


def present(row: Any) -> dict[str, Any]:
    return {k: v for k, v in row._mapping.items() if k != "id"}


async def create_code(conn: AsyncConnection, *, data: TaxCodeCreate) -> dict[str, Any]:
    rate = data.rate if data.rate is not None else Decimal(0)
    if data.treatment == "standard" and data.rate is None:
        raise InvalidInput("rate", "a standard-rated code needs its rate")
    if data.treatment != "standard" and rate != 0:
        raise InvalidInput("rate", f"a {data.treatment} code has no rate (0)")
    values = {**data.model_dump(), "rate": rate, "active": True,
              "created_at": dt.datetime.now(dt.UTC)}  # fmt: skip
    exists = select(tax_codes.c.id).where(tax_codes.c.code == data.code)
    if (await conn.execute(exists)).first() is not None:
        raise Conflict(f"tax code {data.code!r} already exists", field="code")
    try:
        async with conn.begin_nested():
            row = (
                await conn.execute(tax_codes.insert().values(**values).returning(tax_codes))
            ).one()
    except IntegrityError:
        raise Conflict(f"tax code {data.code!r} already exists", field="code") from None
    return present(row)


async def get_code(conn: AsyncConnection, *, code: str) -> dict[str, Any]:
    row = (await conn.execute(select(tax_codes).where(tax_codes.c.code == code))).first()
    if row is None:
        raise NotFound(f"tax code {code!r} not found")
    return present(row)


async def update_code(conn: AsyncConnection, *, code: str, data: TaxCodeUpdate) -> dict[str, Any]:
    current = await get_code(conn, code=code)
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if not changes:
        return current
    statement = (
        tax_codes.update().where(tax_codes.c.code == code).values(**changes).returning(tax_codes)
    )
    return present((await conn.execute(statement)).one())


async def list_codes(conn: AsyncConnection) -> list[dict[str, Any]]:
    rows = await conn.execute(select(tax_codes).order_by(tax_codes.c.kind, tax_codes.c.code))
    return [present(r) for r in rows]


async def rates_for(
    conn: AsyncConnection, lines: Iterable[tuple[int, Any]], *, kind: str
) -> dict[int, Decimal]:
    """The tax rate of each line (by index) that names a tax code: the code's. An unknown or
    inactive code, one of the other kind, or a `tax_rate` given that differs from the code's
    is a 422 naming `lines.<i>.tax_code`."""
    wanted = [(i, ln) for i, ln in lines if ln.tax_code is not None]
    if not wanted:
        return {}
    codes = {ln.tax_code for _, ln in wanted}
    found = {
        r.code: r for r in await conn.execute(select(tax_codes).where(tax_codes.c.code.in_(codes)))
    }
    rates = {}
    for i, ln in wanted:
        field, row = f"lines.{i}.tax_code", found.get(ln.tax_code)
        if row is None:
            raise InvalidInput(field, f"unknown tax code {ln.tax_code!r}")
        if not row.active:
            raise InvalidInput(field, f"tax code {row.code!r} is inactive")
        if row.kind != kind:
            raise InvalidInput(field, f"{row.code} is an {row.kind} tax code, not {kind}")
        given = ln.model_fields_set
        if "tax_rate" in given and ln.tax_rate != row.rate:
            raise InvalidInput(
                field, f"{row.code} is {row.rate}%, not the tax_rate {ln.tax_rate} given"
            )
        rates[i] = row.rate
    return rates


async def tax_report(
    conn: AsyncConnection, *, date_from: dt.date, date_to: dt.date
) -> dict[str, Any]:
    jl = journal_lines.c
    # Credit positive: sales; purchases come out negative and are turned for input codes.
    # Typed as money so that SQLite's scaled integers read back as decimals.
    taxable_side = type_coerce(
        case((jl.account.in_(_NOT_TAXABLE), 0), else_=jl.credit - jl.debit), jl.debit.type
    )
    sums = (
        select(
            jl.tax_code,
            jl.account,
            func.sum(taxable_side).label("net_credit"),
            func.sum(jl.credit - jl.debit).label("credit"),
        )
        .where(jl.date >= date_from, jl.date <= date_to)
        .where((jl.tax_code.is_not(None)) | jl.account.in_(TAX_ACCOUNTS.values()))
        .group_by(jl.tax_code, jl.account)
    )
    codes = {r.code: r for r in await conn.execute(select(tax_codes))}
    rows: dict[tuple[str, str | None], dict[str, Any]] = {}
    for r in await conn.execute(sums):
        code = codes.get(r.tax_code)
        if code is not None:
            kind = code.kind
        elif r.account in (TAX_PAYABLE, INPUT_TAX):
            kind = "output" if r.account == TAX_PAYABLE else "input"
        else:
            continue
        sign = Decimal(1) if kind == "output" else Decimal(-1)
        row = rows.setdefault(
            (kind, r.tax_code),
            {"code": r.tax_code, "name": code.name if code else None, "kind": kind,
             "treatment": code.treatment if code else None, "rate": code.rate if code else None,
             "taxable": ZERO, "tax": ZERO},
        )  # fmt: skip
        if r.account == TAX_ACCOUNTS[kind]:
            row["tax"] += sign * Decimal(r.credit)
        else:
            row["taxable"] += sign * Decimal(r.net_credit)
    ordered = [rows[k] for k in sorted(rows, key=lambda k: (k[0] != "output", k[1] or "~"))]
    output_tax = sum((r["tax"] for r in ordered if r["kind"] == "output"), ZERO)
    input_tax = sum((r["tax"] for r in ordered if r["kind"] == "input"), ZERO)
    return {"date_from": date_from, "date_to": date_to, "rows": ordered,
            "output_tax": output_tax, "input_tax": input_tax,
            "net_due": output_tax - input_tax}  # fmt: skip
