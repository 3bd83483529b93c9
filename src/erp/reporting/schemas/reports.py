"""The one shape every report answers with (as JSON; `format=csv` gives `columns` and `rows`)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class SourcePosition(BaseModel):
    source: str = Field(
        description="The service whose events the figures are built from.", examples=["finance"]
    )
    last_event_time: str = Field(
        description="When the newest event applied from it happened (UTC, RFC 3339).",
        examples=["2026-11-25T09:30:00.123456Z"],
    )
    last_sequence: int = Field(description="That event's sequence number.", examples=[1042])
    events: int = Field(description="How many of its events were applied.", examples=[5310])
    lag_seconds: float = Field(
        description="Seconds since that event: the most the figures can be behind it.",
        examples=[0.84],
    )


class ReportPosition(BaseModel):
    sources: list[SourcePosition] = Field(description="One entry per source service.")
    lag_seconds: float | None = Field(
        description="The largest lag of the sources; null before any event arrived.",
        examples=[0.84],
    )


class ReportRead(BaseModel):
    """Reports are built from the other services' events: `position` says how far they go."""

    model_config = ConfigDict(extra="allow")

    report: str = Field(description="The report's name.", examples=["trial-balance"])
    params: dict[str, Any] = Field(
        description="The parameters it was computed for; dates as YYYY-MM-DD.",
        examples=[{"as_of": "2026-11-30"}],
    )
    position: ReportPosition = Field(description="The events the figures include.")
    columns: list[str] = Field(
        description="The keys of every row, in the order of the CSV columns.",
        examples=[["account", "type", "debit", "credit"]],
    )
    rows: list[dict[str, Any]] = Field(
        description="One object per line, keyed by `columns`; amounts are decimal strings.",
        examples=[[{"account": "1100", "type": "asset", "debit": "250.00", "credit": "0"}]],
    )
    totals: dict[str, Any] = Field(
        description="Sums over the rows; which ones depends on the report.",
        examples=[{"debit": "250.00", "credit": "250.00", "balanced": True}],
    )
    total_rows: list[dict[str, Any]] = Field(
        default_factory=list,
        description="The totals as table lines keyed by `columns` (the CSV's last lines), the"
        " first column naming them (`Total`, `Subtotal`, `Total income`...). Quantities are"
        " only added within one unit: mixed units give a `Subtotal` per `uom` and a `Total`"
        " of the amounts alone.",
        examples=[[{"account": "Total", "debit": "250.00", "credit": "250.00"}]],
    )
