"""Who may read which report, and the pieces every report route takes."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import Depends, Query, Request

from erp.platform.auth import Principal, require_roles
from erp.reporting.cache import ReportCache
from erp.reporting.config import ReportingSettings

FINANCE_READERS = ("admin", "accountant", "viewer")
STOCK_READERS = ("admin", "accountant", "warehouse", "viewer")

FinanceReader = Annotated[Principal, Depends(require_roles(*FINANCE_READERS))]
StockReader = Annotated[Principal, Depends(require_roles(*STOCK_READERS))]


async def get_cache(request: Request) -> ReportCache:
    cache: ReportCache = request.app.state.runtime.extras["report_cache"]
    return cache


async def get_settings(request: Request) -> ReportingSettings:
    settings: ReportingSettings = request.app.state.runtime.settings
    return settings


CacheDep = Annotated[ReportCache, Depends(get_cache)]
SettingsDep = Annotated[ReportingSettings, Depends(get_settings)]
Format = Annotated[Literal["json", "csv"], Query(description="`json` (default) or `csv`.")]
AsOf = Annotated[dt.date | None, Query(description="A date (YYYY-MM-DD); today when omitted.")]
From = Annotated[dt.date, Query(alias="from", description="First day (YYYY-MM-DD).")]
To = Annotated[dt.date, Query(alias="to", description="Last day (YYYY-MM-DD).")]
Sku = Annotated[str | None, Query(min_length=1, max_length=64)]
Warehouse = Annotated[str | None, Query(min_length=1, max_length=32)]


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()
