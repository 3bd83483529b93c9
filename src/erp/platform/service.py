"""What a service is to the platform: a name, settings, migrations, routers and hooks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fastapi import APIRouter, FastAPI

from erp.platform.db.migrations import MigrationSet
from erp.platform.events.envelope import Handler
from erp.platform.settings import ServiceSettings

if TYPE_CHECKING:
    from erp.platform.runtime import Runtime

Hook = Callable[["Runtime"], Awaitable[None]]


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    title: str
    settings_cls: type[ServiceSettings]
    migrations: MigrationSet
    routers: Callable[[], Sequence[APIRouter]]
    on_startup: Sequence[Hook] = field(default_factory=tuple)
    on_shutdown: Sequence[Hook] = field(default_factory=tuple)
    customize_app: Callable[[FastAPI], None] | None = None
    # topic -> handler; the event backbone delivers each topic's events to its handler.
    subscriptions: Mapping[str, Handler] = field(default_factory=dict)
    # How `erp serve` runs the built app when the default uvicorn server is not enough
    # (the gateway puts its proxy engine in front); must keep the shutdown contract.
    serve: Callable[[FastAPI, ServiceSettings], None] | None = None
