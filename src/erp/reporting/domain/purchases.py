"""Payables (suppliers' bills less the payments on them) by age, and the due list: the
receivables and payables falling due in a window, and those already overdue."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.reporting.domain.aging import OpenDocument, aging_report
from erp.reporting.domain.report import Report
from erp.reporting.domain.sales import open_invoices
from erp.reporting.models import bill_payments, purchase_bills

ZERO = Decimal(0)
KINDS = ("receivable", "payable")


async def open_bills(conn: AsyncConnection, *, as_of: dt.date) -> list[OpenDocument]:
    """Open amount of each bill dated up to `as_of`, less the payments dated up to it."""
    pb, bp = purchase_bills, bill_payments
    paid = (
        select(bp.c.bill_id, func.sum(bp.c.amount).label("paid"))
        .where(bp.c.day <= as_of)
        .group_by(bp.c.bill_id)
        .subquery()
    )
    statement = (
        select(
            pb.c.bill_id,
            pb.c.supplier,
            pb.c.number,
            pb.c.due_day,
            pb.c.currency,
            pb.c.total,
            paid.c.paid,
        )
        .outerjoin(paid, paid.c.bill_id == pb.c.bill_id)
        .where(pb.c.day <= as_of)
    )
    found = []
    for r in (await conn.execute(statement)).all():
        open_amount = Decimal(r.total) - (Decimal(r.paid) if r.paid is not None else ZERO)
        if open_amount != 0:
            found.append(
                OpenDocument(
                    "payable", r.supplier, r.bill_id, r.number, r.due_day, r.currency, open_amount
                )
            )
    return found


async def ap_aging(conn: AsyncConnection, *, as_of: dt.date) -> Report:
    """Open payables (`open_bills`) by supplier and currency, in buckets of days past the
    due date."""
    documents = await open_bills(conn, as_of=as_of)
    return aging_report("ap-aging", "supplier", documents, as_of=as_of)


async def due(conn: AsyncConnection, *, as_of: dt.date, start: dt.date, end: dt.date) -> Report:
    """Receivables and payables open at `as_of` falling due from `start` to `end` (both
    included), and those overdue at `as_of` (due before it, `overdue` true): one row per
    document, by due day."""
    documents = [
        doc
        for doc in (*await open_invoices(conn, as_of=as_of), *await open_bills(conn, as_of=as_of))
        if start <= doc.due_day <= end or doc.due_day < as_of
    ]
    documents.sort(key=lambda d: (d.due_day, KINDS.index(d.kind), d.party, d.document_id))
    rows = []
    sums: dict[str, dict[str, Decimal]] = defaultdict(
        lambda: dict.fromkeys(
            ("receivable", "payable", "overdue_receivable", "overdue_payable"), ZERO
        )
    )
    for doc in documents:
        overdue = doc.due_day < as_of
        rows.append(
            {
                "kind": doc.kind,
                "party": doc.party,
                "document_id": doc.document_id,
                "number": doc.number,
                "due_day": doc.due_day.isoformat(),
                "days_past_due": (as_of - doc.due_day).days,
                "overdue": overdue,
                "currency": doc.currency,
                "open_amount": doc.open_amount,
            }
        )
        per = sums[doc.currency]
        per[doc.kind] += doc.open_amount
        if overdue:
            per[f"overdue_{doc.kind}"] += doc.open_amount
    totals = dict(sorted(sums.items()))
    present = {(d.currency, d.kind) for d in documents}
    return Report(
        name="due",
        params={"as_of": as_of.isoformat(), "from": start.isoformat(), "to": end.isoformat()},
        columns=(
            "kind",
            "party",
            "document_id",
            "number",
            "due_day",
            "days_past_due",
            "overdue",
            "currency",
            "open_amount",
        ),
        rows=rows,
        totals={"by_currency": totals},
        # Per currency and kind: receivables and payables are not netted, currencies not added.
        total_rows=[
            {"kind": f"Total {kind}", "currency": currency, "open_amount": amounts[kind]}
            for currency, amounts in totals.items()
            for kind in KINDS
            if (currency, kind) in present
        ],
    )
