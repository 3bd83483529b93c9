"""Assembles the reporting service (no logic here)."""

from __future__ import annotations

from erp.platform.assembly import service_spec
from erp.platform.runtime import Runtime
from erp.reporting.api import routers
from erp.reporting.cache import ReportCache, make_store
from erp.reporting.config import ReportingSettings
from erp.reporting.events.handlers import SUBSCRIPTIONS
from erp.reporting.models import metadata


async def _open_cache(runtime: Runtime) -> None:
    settings = runtime.settings
    assert isinstance(settings, ReportingSettings)
    runtime.extras["report_cache"] = ReportCache(
        make_store(settings),
        prefix=settings.reporting_cache_prefix,
        ttl=settings.reporting_cache_ttl_seconds,
    )


async def _close_cache(runtime: Runtime) -> None:
    cache = runtime.extras.pop("report_cache", None)
    if cache is not None:
        await cache.close()


SPEC = service_spec(
    "reporting",
    ReportingSettings,
    metadata,
    routers,
    on_startup=(_open_cache,),
    on_shutdown=(_close_cache,),
    subscriptions=SUBSCRIPTIONS,
)
