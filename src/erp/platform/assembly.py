"""How a service package is put together for the platform: what each `main.py` would
otherwise spell out again (migrations under `erp.<name>:migrations`, a title, the routers)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import APIRouter
from sqlalchemy import MetaData

from erp.platform.api import describe_access
from erp.platform.db.migrations import MigrationSet
from erp.platform.service import ServiceSpec
from erp.platform.settings import ServiceSettings


def service_spec(
    name: str,
    settings_cls: type[ServiceSettings],
    metadata: MetaData,
    routers: Callable[[], Sequence[APIRouter]],
    *,
    title: str | None = None,
    **hooks: Any,
) -> ServiceSpec:
    """The spec of the service package `erp.<name>`; `hooks` are the other `ServiceSpec`
    fields. Its routes' descriptions name the roles they admit (`describe_access`)."""
    return ServiceSpec(
        name=name,
        title=title or f"erp-system {name}",
        settings_cls=settings_cls,
        migrations=MigrationSet(name, f"erp.{name}:migrations", metadata),
        routers=lambda: describe_access(routers()),
        **hooks,
    )
