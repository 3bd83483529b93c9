"""The shape every report has: rows under named columns, totals, and the position it reflects.

`totals` sums up the report as named figures; `total_rows` are the same sums as the last lines
of a table (keyed by `columns`, a label in the first), which the CSV ends with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.reporting.models import positions


@dataclass
class Report:
    name: str
    params: dict[str, Any]
    columns: tuple[str, ...]
    rows: list[dict[str, Any]]
    totals: dict[str, Any] = field(default_factory=dict)
    total_rows: list[dict[str, Any]] = field(default_factory=list)
    position: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        return {
            "report": self.name,
            "params": self.params,
            "position": self.position,
            "columns": list(self.columns),
            "rows": self.rows,
            "totals": self.totals,
            "total_rows": self.total_rows,
            **self.extra,
        }


async def read_position(conn: AsyncConnection) -> dict[str, Any]:
    """Newest event time and sequence per source, as JSON-ready data."""
    rows = (await conn.execute(select(positions).order_by(positions.c.source))).all()
    return {
        "sources": [
            {
                "source": r.source,
                "last_event_time": r.last_time.isoformat().replace("+00:00", "Z"),
                "last_sequence": r.last_sequence,
                "events": r.events,
            }
            for r in rows
        ]
    }


def with_lag(position: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """Add, per source, the seconds since its newest event (an upper bound on staleness)."""
    now = now or datetime.now(UTC)
    sources = []
    for source in position.get("sources", []):
        last = datetime.fromisoformat(source["last_event_time"].replace("Z", "+00:00"))
        lag = max((now - last).total_seconds(), 0.0)
        sources.append({**source, "lag_seconds": round(lag, 3)})
    lags = [s["lag_seconds"] for s in sources]
    return {"sources": sources, "lag_seconds": max(lags) if lags else None}
