"""Who may read which report, and the pieces every report route takes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Request
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.responses import Response

from erp.platform import calendar
from erp.platform.api import ReadConnection
from erp.platform.auth import Principal, require_roles
from erp.platform.errors import InvalidInput
from erp.reporting.api.render import answer
from erp.reporting.cache import ReportCache
from erp.reporting.config import ReportingSettings
from erp.reporting.domain.access import FINANCE_READERS, STOCK_READERS
from erp.reporting.domain.periods import EARLIEST as EARLIEST_DAY
from erp.reporting.domain.periods import LATEST as LATEST_DAY
from erp.reporting.domain.periods import check_day, check_range
from erp.reporting.domain.report import Report

__all__ = ["FINANCE_READERS", "STOCK_READERS"]  # re-exported for the routes

Format = Annotated[
    Literal["json", "csv"], Query(description="`json` (default) or `csv` (columns and rows).")
]
AS_OF_DOC = (
    "A date (YYYY-MM-DD: the end of that day) or an RFC 3339 timestamp (UTC without a zone);"
    " today when omitted. Reporting keeps its figures per business day, so a timestamp is read"
    " as the whole business day it falls on in the company's time zone (`params.as_of` says"
    " which)."
)


def _as_of(
    as_of: Annotated[
        str | None,
        Query(
            description=AS_OF_DOC,
            examples=["2026-11-30", "2026-11-30T17:00:00+01:00"],
            max_length=40,
        ),
    ] = None,
) -> calendar.AsOf | None:
    """calendar.AsOfQuery's parsing, and a 422 naming `as_of` for a timestamp whose year
    cannot be represented in UTC either."""
    if as_of is None:
        return None
    try:
        return calendar.AsOf.parse(as_of)
    except OverflowError:
        raise InvalidInput("as_of", f"must be between {EARLIEST_DAY} and {LATEST_DAY}") from None


AsOf = Annotated[calendar.AsOf | None, Depends(_as_of)]
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
    """Today in the company's time zone, as every service counts business days."""
    return calendar.today()


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

    def day(self, as_of: calendar.AsOf | None) -> dt.date:
        """The business day of `as_of` (a timestamp's day: the read models are per day), today
        when omitted; a 422 naming `as_of` outside the supported years."""
        return check_day("as_of", as_of.day if as_of is not None else today())

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
