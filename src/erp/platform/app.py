"""The app factory every service uses: one shape for health, metrics, errors, logs, auth."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from erp import __version__
from erp.platform import calendar
from erp.platform.auth import TokenVerifier
from erp.platform.db import Database, normalise_url
from erp.platform.db.migrations import schema_problem
from erp.platform.errors import install_error_handlers
from erp.platform.events.runtime import attach as attach_events
from erp.platform.health import Readiness
from erp.platform.health import router as health_router
from erp.platform.logging import get_logger
from erp.platform.metrics import DB_POOL_IN_USE, DB_POOL_SIZE, metrics_endpoint, register_build_info
from erp.platform.request_context import RequestContextMiddleware
from erp.platform.runtime import Runtime
from erp.platform.secrets import jwt_secret
from erp.platform.service import ServiceSpec
from erp.platform.settings import ServiceSettings
from erp.platform.shutdown import StepBudget

log = get_logger(__name__)


def build_runtime(spec: ServiceSpec, settings: ServiceSettings) -> Runtime[ServiceSettings]:
    calendar.use_zone(settings.company_timezone)
    url = normalise_url(settings.database_url, service=spec.name, data_dir=settings.data_dir)
    db = Database(url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow)
    secret = jwt_secret(settings)
    # One key: under RS256 a token signed with the shared secret is refused.
    rs256 = settings.jwt_algorithm == "RS256"
    return Runtime(
        service=spec.name,
        settings=settings,
        db=db,
        readiness=Readiness(),
        token_verifier=TokenVerifier(
            None if rs256 else secret, public_key=settings.jwt_public_key if rs256 else None
        ),
        jwt_secret=secret,
        metadata=spec.migrations.metadata,
    )


def _add_core_checks(spec: ServiceSpec, runtime: Runtime) -> None:
    head = spec.migrations.head()
    at_head = False

    async def database() -> None:
        await runtime.db.ping()

    async def migrations() -> None:
        nonlocal at_head
        if at_head:  # once served it stays so: `erp migrate` refuses to break running code
            return
        async with runtime.db.engine.connect() as conn:
            problem = await schema_problem(spec.migrations, conn, head)
        if problem is not None:
            raise RuntimeError(problem)
        at_head = True

    runtime.readiness.add("database", database)
    runtime.readiness.add("migrations", migrations)


def create_app(spec: ServiceSpec, settings: ServiceSettings) -> FastAPI:
    runtime = build_runtime(spec, settings)
    _add_core_checks(spec, runtime)
    events = attach_events(spec, runtime)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        register_build_info(spec.name)
        for hook in spec.on_startup:
            await hook(runtime)
        await events.start()
        log.info("service_started", service=spec.name, version=__version__)
        try:
            yield
        finally:
            budget = StepBudget()
            await budget.run("events", events.stop())
            for hook in reversed(spec.on_shutdown):
                await budget.run(getattr(hook, "__name__", "hook"), hook(runtime))
            await budget.run("database", runtime.db.dispose())
            log.info("service_stopped", service=spec.name)

    app = FastAPI(
        title=spec.title,
        version=__version__,
        lifespan=lifespan,
        docs_url="/docs",
        openapi_url="/openapi.json",
        redoc_url=None,
    )
    app.state.runtime = runtime
    app.state.readiness = runtime.readiness
    app.state.token_verifier = runtime.token_verifier

    async def refresh_metrics() -> None:
        in_use, size = runtime.db.pool_status()
        DB_POOL_IN_USE.labels(spec.name).set(in_use)
        DB_POOL_SIZE.labels(spec.name).set(size)
        await events.refresh_metrics()

    app.state.refresh_metrics = refresh_metrics
    install_error_handlers(app)
    app.include_router(health_router)
    app.add_route("/metrics", metrics_endpoint, include_in_schema=False)
    for router in spec.routers():
        app.include_router(router)
    events_router = events.router()
    if events_router is not None:
        app.include_router(events_router)
    if spec.customize_app:
        spec.customize_app(app)
    app.add_middleware(
        RequestContextMiddleware, service=spec.name, max_body_bytes=settings.max_body_bytes
    )
    return app
