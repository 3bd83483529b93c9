from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from erp.finance.schemas.common import Input

CLOSED_THROUGH = "Nothing can be posted on or before this day."
Year = Annotated[int, Field(ge=1900, le=9998, examples=[2026])]


class PeriodClose(Input):
    date: dt.date = Field(description="Close the books through this day (inclusive).")


class PeriodCloseRead(BaseModel):
    closed_through: dt.date = Field(description=CLOSED_THROUGH)
    closed_at: dt.datetime = Field(description="When the books were closed (UTC).")
    closed_by: str = Field(description="Who closed them.", examples=["alice"])


class YearClose(Input):
    year: Year = Field(description="The fiscal (calendar) year to close; it must have ended.")


class YearCloseRead(PeriodCloseRead):
    year: Year = Field(description="The fiscal (calendar) year closed.")
    entry_id: int | None = Field(
        description="The closing entry (source `year-end`, dated 31 December); null when the "
        "income and expense accounts were already at zero."
    )
    net_profit: Decimal = Field(
        description="What this entry moved into retained earnings (3200): the year's profit, "
        "negative for a loss; after a reopen, only what changed since the last close."
    )


class PeriodReopen(Input):
    date: dt.date = Field(
        description="The first day to reopen: the books stay closed through the day before."
    )
    reason: str = Field(min_length=1, max_length=500, description="Why; kept in the audit trail.")


class PeriodReopenRead(BaseModel):
    closed_through: dt.date = Field(description=CLOSED_THROUGH)
    reopened_from: dt.date = Field(description="The closing date before the reopen.")
    reopened_at: dt.datetime = Field(description="When (UTC).")
    reopened_by: str = Field(description="Who (an admin).", examples=["admin"])
    reason: str = Field(description="Why, as given.")


class PeriodChangeRead(BaseModel):
    action: Literal["close", "reopen"] = Field(description="What moved the closing date.")
    closed_through: dt.date = Field(description="The closing date this change set.")
    previously_closed_through: dt.date | None = Field(description="The one before it.")
    at: dt.datetime = Field(description="When (UTC).")
    by: str = Field(description="Who.")
    reason: str | None = Field(description="A reopen's reason; null for a close.")


class PeriodsRead(BaseModel):
    closed_through: dt.date | None = Field(description=CLOSED_THROUGH + " Null: none closed.")
    history: list[PeriodChangeRead] = Field(
        description="Every close and reopen, oldest first: the audit trail."
    )
