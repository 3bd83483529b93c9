"""Who may read which report, and the pieces every report route takes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Request
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.responses import Response

from erp.platform.api import ReadConnection
from erp.platform.auth import Principal, require_roles
from erp.reporting.api.render import answer
from erp.reporting.cache import ReportCache
from erp.reporting.config import ReportingSettings
from erp.reporting.domain.periods import check_day, check_range
from erp.reporting.domain.report import Report

FINANCE_READERS = ("admin", "accountant", "viewer")
STOCK_READERS = ("admin", "accountant", "warehouse", "viewer")

Format = Annotated[
    Literal["json", "csv"], Query(description="`json` (default) or `csv` (columns and rows).")
]
AsOf = Annotated[dt.date | None, Query(description="A date (YYYY-MM-DD); today when omitted.")]
From = Annotated[
    dt.date | None,
    Query(
        alias="from", description="First day (YYYY-MM-DD); the first of `to`'s month when omitted."
    ),
]
To = Annotated[
    dt.date | None, Query(alias="to", description="Last day (YYYY-MM-DD); today when omitted.")
]
Sku = Annotated[str | None, Query(min_length=1, max_length=64, description="Only this SKU.")]
Warehouse = Annotated[
    str | None, Query(min_length=1, max_length=32, description="Only this warehouse.")
]


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


async def get_cache(request: Request) -> ReportCache:
    cache: ReportCache = request.app.state.runtime.extras["report_cache"]
    return cache


async def get_settings(request: Request) -> ReportingSettings:
    settings: ReportingSettings = request.app.state.runtime.settings
    return settings


CacheDep = Annotated[ReportCache, Depends(get_cache)]
SettingsDep = Annotated[ReportingSettings, Depends(get_settings)]


@dataclass
class Reply:
    """Answers one report request: from the cache or computed, in the format asked for."""

    conn: AsyncConnection
    cache: ReportCache
    settings: ReportingSettings
    format: str

    def day(self, as_of: dt.date | None) -> dt.date:
        """`as_of`, today when omitted; a 422 naming `as_of` outside the supported years."""
        return check_day("as_of", as_of or today())

    def range(self, start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
        """The range asked for, the current month to date by default (`to` defaults to today,
        `from` to the first of `to`'s month); a 422 naming `from` or `to` for an inverted
        range or one longer than allowed."""
        end = end or today()
        start = start or end.replace(day=1)
        check_range(start, end, max_days=self.settings.reporting_max_range_days)
        return start, end

    async def __call__(
        self,
        name: str,
        params: Mapping[str, Any],
        *,
        families: tuple[str, ...],
        horizon: dt.date,
        compute: Callable[[AsyncConnection], Awaitable[Report]],
    ) -> Response:
        """`compute` runs only on a cache miss; `params` and the state of `families` up to
        `horizon` make the cache key."""
        return await answer(
            self.conn,
            self.cache,
            name=name,
            params=dict(params),
            families=families,
            horizon=horizon,
            compute=compute,
            fmt=self.format,
        )


def reply_for(*roles: str) -> Callable[..., Awaitable[Reply]]:
    """A dependency giving a `Reply` to callers holding one of `roles`."""
    authorize = require_roles(*roles)

    # A default, not Annotated: a string annotation cannot see this local `authorize`.
    async def dependency(
        conn: ReadConnection,
        cache: CacheDep,
        settings: SettingsDep,
        _: Principal = Depends(authorize),
        format: Format = "json",
    ) -> Reply:
        return Reply(conn, cache, settings, format)

    dependency.allowed_roles = authorize.allowed_roles  # type: ignore[attr-defined]
    return dependency


FinanceReport = Annotated[Reply, Depends(reply_for(*FINANCE_READERS))]
StockReport = Annotated[Reply, Depends(reply_for(*STOCK_READERS))]
