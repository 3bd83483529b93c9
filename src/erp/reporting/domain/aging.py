"""Open documents (receivables and payables) and their aging: what each one still owes as of a
day, in buckets of days past its due date, per party and currency."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from erp.reporting.domain.report import Report

ZERO = Decimal(0)
# Days past the due date; `current` is not yet due.
AGING_BUCKETS = (
    ("current", None, 0),
    ("1_30", 1, 30),
    ("31_60", 31, 60),
    ("61_90", 61, 90),
    ("over_90", 91, None),
)
BUCKET_NAMES = tuple(name for name, _, _ in AGING_BUCKETS)


@dataclass(frozen=True)
class OpenDocument:
    """An invoice (`receivable`) or a bill (`payable`) with an amount still open."""

    kind: str  # receivable | payable
    party: str  # the customer or the supplier
    document_id: int
    number: str | None  # a bill's supplier number; invoices have none here
    due_day: dt.date
    currency: str
    open_amount: Decimal  # in `currency`


def bucket(days_past_due: int) -> str:
    for name, low, high in AGING_BUCKETS:
        if (low is None or days_past_due >= low) and (high is None or days_past_due <= high):
            return name
    raise AssertionError("the buckets cover every day")


def aging_report(
    name: str, party: str, documents: Iterable[OpenDocument], *, as_of: dt.date
) -> Report:
    """Per party (the column named `party`) and currency, the open amounts by days past due
    at `as_of`; amounts in different currencies are never added: one total per currency."""
    folded: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(
        lambda: dict.fromkeys(BUCKET_NAMES, ZERO)
    )
    for doc in documents:
        folded[(doc.party, doc.currency)][bucket((as_of - doc.due_day).days)] += doc.open_amount
    rows = []
    totals: dict[str, dict[str, Decimal]] = {}
    for (who, currency), amounts in sorted(folded.items()):
        total = sum(amounts.values(), ZERO)
        rows.append({party: who, "currency": currency, **amounts, "total": total})
        per = totals.setdefault(currency, dict.fromkeys([*BUCKET_NAMES, "total"], ZERO))
        for bucket_name in BUCKET_NAMES:
            per[bucket_name] += amounts[bucket_name]
        per["total"] += total
    return Report(
        name=name,
        params={"as_of": as_of.isoformat()},
        columns=(party, "currency", *BUCKET_NAMES, "total"),
        rows=rows,
        totals={"by_currency": totals},
        total_rows=[
            {party: "Total", "currency": currency, **sums}
            for currency, sums in sorted(totals.items())
        ],
    )
