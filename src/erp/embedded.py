"""`erp up`: every service in one process on one port, SQLite files under ERP_DATA_DIR.

Each service keeps its own app, database and migrations exactly as in Kubernetes; they are
mounted under /api/<service> here.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from fastapi import FastAPI

from erp import __version__, registry
from erp.platform.app import create_app
from erp.platform.db import normalise_url
from erp.platform.db.migrations import upgrade
from erp.platform.health import Readiness
from erp.platform.health import router as health_router
from erp.platform.logging import configure_logging, get_logger
from erp.platform.metrics import metrics_endpoint
from erp.platform.server import run
from erp.platform.settings import ServiceSettings, load_settings

log = get_logger(__name__)


def build_embedded_app(settings: ServiceSettings) -> tuple[FastAPI, list[Readiness]]:
    apps: dict[str, FastAPI] = {}
    for name in registry.names():
        spec = registry.load(name)
        service_settings = load_settings(spec.settings_cls)
        url = normalise_url(
            service_settings.database_url, service=name, data_dir=service_settings.data_dir
        )
        upgrade(spec.migrations, url)
        apps[name] = create_app(spec, service_settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Starlette does not run mounted apps' lifespans; run them here.
        async with AsyncExitStack() as stack:
            for sub in apps.values():
                await stack.enter_async_context(sub.router.lifespan_context(sub))
            yield

    root = FastAPI(
        title="erp-system",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    readiness = Readiness()
    for name, sub in apps.items():
        root.mount(f"/api/{name}", sub)
        readiness.add(name, _sub_ready(sub))
    root.state.readiness = readiness
    root.include_router(health_router)
    root.add_route("/metrics", metrics_endpoint, include_in_schema=False)
    return root, [readiness, *(sub.state.readiness for sub in apps.values())]


def _sub_ready(sub: FastAPI) -> Any:
    async def check() -> None:
        ok, checks = await sub.state.readiness.evaluate()
        if not ok:
            raise RuntimeError(", ".join(f"{k}: {v}" for k, v in checks.items() if v != "ok"))

    return check


def run_embedded() -> None:
    settings = load_settings(ServiceSettings)
    configure_logging(level=settings.log_level, fmt=settings.log_format)
    if settings.admin_password is None:
        log.info(
            "admin_password_generated",
            note="set ERP_ADMIN_PASSWORD to choose one",
            password=secrets.token_urlsafe(12),
        )
    app, readiness = build_embedded_app(settings)

    def begin_shutdown() -> None:
        for r in readiness:
            r.shutting_down = True

    host = "127.0.0.1" if settings.host == "0.0.0.0" else settings.host
    log.info("erp_up", url=f"http://{host}:{settings.port}", data_dir=str(settings.data_dir))
    run(
        app,
        host=host,
        port=settings.port,
        shutdown_delay=settings.shutdown_delay_seconds,
        drain_timeout=settings.drain_timeout_seconds,
        on_shutdown_begin=begin_shutdown,
        log_level=settings.log_level,
    )
