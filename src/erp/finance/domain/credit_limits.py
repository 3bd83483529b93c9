"""Credit limits: an invoice is not issued when it would take its customer's exposure (open
receivables, invoices pending, and this one) beyond the limit, unless someone allowing it says
why; that permission is kept in `credit_overrides`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.finance.domain import books, parties
from erp.finance.domain.money import ZERO, to_base
from erp.finance.models import credit_overrides, invoices
from erp.platform.errors import Conflict

OPEN = ("issued", "partially_paid")


async def exposure(conn: AsyncConnection, customer: str, *, but: int) -> Decimal:
    """What `customer` owes (base currency) and what its pending invoices will add, leaving
    out invoice `but`."""
    c = invoices.c
    mine = (c.customer == customer, c.id != but)
    owed = (
        await conn.execute(select(func.sum(c.open_base)).where(*mine, c.status.in_(OPEN)))
    ).scalar()
    base = await books.base_currency(conn)
    pending = await conn.execute(select(c.total, c.rate).where(*mine, c.status == "pending"))
    return (owed or ZERO) + sum((to_base(r.total, r.rate, base) for r in pending), ZERO)


async def check(conn: AsyncConnection, invoice: Any, *, override: str | None, user: str) -> None:
    """Refuse (409 naming `credit_limit`) an issue beyond the customer's limit without an
    override; keep the override when one is used. The customer's row stays locked until
    COMMIT, so two issues for one customer are checked one after the other. An inactive
    customer's drafts are not issued (409 naming `customer`)."""
    customer = (
        await conn.execute(
            select(parties.parties)
            .where(parties.parties.c.kind == "customer", parties.parties.c.code == invoice.customer)
            .with_for_update()
        )
    ).first()
    if customer is None:  # written by a release before parties: no terms, no limit
        return
    if not customer.active:
        raise Conflict(f"customer {customer.code!r} is inactive", field="customer")
    if customer.credit_limit is None:
        return
    base = await books.base_currency(conn)
    total = await exposure(conn, customer.code, but=invoice.id)
    total += to_base(invoice.total, invoice.rate, base)
    if total <= customer.credit_limit:
        return
    if not override:
        raise Conflict(
            f"issuing invoice {invoice.id} would take {customer.code}'s receivables to"
            f" {total} {base}, over its credit limit of {customer.credit_limit} {base};"
            " `credit_override` with a reason allows it",
            field="credit_limit",
            credit_limit=f"{customer.credit_limit:.4f}",
            exposure=f"{total:.4f}",
        )
    await conn.execute(
        credit_overrides.insert().values(
            invoice_id=invoice.id,
            issue_no=invoice.issue_no + 1,
            credit_limit=customer.credit_limit,
            exposure=total,
            reason=override,
            overridden_at=dt.datetime.now(dt.UTC),
            overridden_by=user,
        )
    )


async def overrides(conn: AsyncConnection, *, customer: str) -> list[dict[str, Any]]:
    """The issues allowed beyond `customer`'s limit, newest first."""
    o = credit_overrides.c
    statement = (
        select(credit_overrides)
        .join(invoices, invoices.c.id == o.invoice_id)
        .where(invoices.c.customer == customer)
        .order_by(o.id.desc())
    )
    return [dict(r._mapping) for r in await conn.execute(statement)]
