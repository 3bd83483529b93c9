"""Totals rows: the last lines of a report, keyed by its columns like any row.

Quantities are only added up within one unit of measure: a report whose rows mix units gets
a subtotal per unit (its quantities and amounts), then a total of the amounts alone. Rows of
an unknown unit are never added to anything but the amounts.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

ZERO = Decimal(0)
TOTAL, SUBTOTAL = "Total", "Subtotal"


def _sum(values: list[Any]) -> Any:
    """Counts stay integers, amounts decimals."""
    if values and all(type(v) is int for v in values):
        return sum(values)
    return sum(values, ZERO)


def _sums(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> dict[str, Any]:
    return {c: _sum([r[c] for r in rows if r.get(c) is not None]) for c in columns}


def total_row(
    rows: Sequence[dict[str, Any]], *, label: tuple[str, str], amounts: Sequence[str]
) -> dict[str, Any]:
    """One row: `label` is (column, text); the `amounts` columns summed."""
    return {label[0]: label[1], **_sums(rows, amounts)}


def unit_totals(
    rows: Sequence[dict[str, Any]],
    *,
    label: str,
    quantities: Sequence[str],
    amounts: Sequence[str],
    unit: str = "uom",
) -> list[dict[str, Any]]:
    """One total per unit when every row has the same known unit; otherwise a subtotal per
    known unit and a last row with the amounts only."""
    by_unit: dict[str | None, list[dict[str, Any]]] = {}
    for row in rows:
        by_unit.setdefault(row.get(unit), []).append(row)
    known = sorted(u for u in by_unit if u is not None)
    if len(by_unit) == 1 and known:
        only = known[0]
        return [{label: TOTAL, unit: only, **_sums(rows, quantities), **_sums(rows, amounts)}]
    out = [
        {label: SUBTOTAL, unit: u, **_sums(by_unit[u], quantities), **_sums(by_unit[u], amounts)}
        for u in known
    ]
    out.append({label: TOTAL, unit: None, **dict.fromkeys(quantities), **_sums(rows, amounts)})
    return out
