from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from erp.finance.schemas.common import Input


class PeriodClose(Input):
    date: dt.date = Field(description="Close the books through this day (inclusive).")


class PeriodCloseRead(BaseModel):
    closed_through: dt.date
    closed_at: dt.datetime
    closed_by: str


class PeriodsRead(BaseModel):
    closed_through: dt.date | None
