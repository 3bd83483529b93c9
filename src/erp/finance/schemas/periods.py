from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from erp.finance.schemas.common import Input

CLOSED_THROUGH = "Nothing can be posted on or before this day."


class PeriodClose(Input):
    date: dt.date = Field(description="Close the books through this day (inclusive).")


class PeriodCloseRead(BaseModel):
    closed_through: dt.date = Field(description=CLOSED_THROUGH)
    closed_at: dt.datetime = Field(description="When the books were closed (UTC).")
    closed_by: str = Field(description="Who closed them.", examples=["alice"])


class PeriodsRead(BaseModel):
    closed_through: dt.date | None = Field(description=CLOSED_THROUGH + " Null: none closed.")
