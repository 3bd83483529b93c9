"""`erp up`: the whole system in one process, SQLite files under ERP_DATA_DIR, no Redis.

The real gateway listens on http://127.0.0.1:8000 (ERP_PORT) exactly as in Kubernetes: its
proxy engine forwards /api/<service>/ to each embedded service, served on its own unix socket
in the same event loop, and everything else to the gateway's control app (tokens, users,
/status, /docs). Each service keeps its own app, database and migrations.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from functools import partial
from typing import Any
from urllib.parse import urlencode

import uvloop
from fastapi import FastAPI

from erp import registry
from erp.finance.inventory_client import LOCAL_INVENTORY
from erp.gateway.config import GatewaySettings
from erp.gateway.serve import run_gateway
from erp.platform.app import create_app
from erp.platform.cli_errors import claim_port, database_url
from erp.platform.db.migrations import current_revision, schema_problem, upgrade
from erp.platform.logging import configure_logging, get_logger
from erp.platform.settings import load_settings

log = get_logger(__name__)
GATEWAY = "gateway"
# GET path?params with headers: (status, body).
Get = Callable[[str, Mapping[str, str], Mapping[str, str]], Awaitable[tuple[int, bytes]]]


def build_embedded_apps() -> tuple[FastAPI, dict[str, FastAPI]]:
    """The gateway's control app and every other service's app, databases migrated."""
    apps: dict[str, FastAPI] = {}
    for name in registry.names():
        spec = registry.load(name)
        settings = load_settings(spec.settings_cls)
        upgrade(spec.migrations, database_url(name, settings))
        apps[name] = create_app(spec, settings)
    control = apps.pop(GATEWAY)
    # Finance asks inventory whether an invoice's items and warehouses exist: in this process,
    # through inventory's own app (its auth and routing), with no address to configure.
    finance_extras = apps["finance"].state.runtime.extras
    finance_extras[LOCAL_INVENTORY] = partial(_asgi_get, apps["inventory"])
    # One process serves everything here, so the gateway is ready when every service is.
    for name, sub in apps.items():
        control.state.readiness.add(name, _sub_ready(sub))
    return control, apps


def _sub_ready(sub: FastAPI) -> Any:
    async def check() -> None:
        ok, checks = await sub.state.readiness.evaluate()
        if not ok:
            raise RuntimeError(", ".join(f"{k}: {v}" for k, v in checks.items() if v != "ok"))

    return check


def run_embedded() -> None:
    settings = load_settings(GatewaySettings)
    configure_logging(level=settings.log_level, fmt=settings.log_format)
    host = "127.0.0.1" if settings.host == "0.0.0.0" else settings.host
    # A busy port stops `erp up` before it migrates or creates the first user.
    claim_port(host, settings.port)
    control, services = build_embedded_apps()

    def begin_shutdown() -> None:
        for sub in services.values():
            sub.state.readiness.shutting_down = True

    log.info("erp_up", url=f"http://{host}:{settings.port}", data_dir=str(settings.data_dir))
    uvloop.run(
        run_gateway(
            control, settings, host=host, services=services, on_shutdown_begin=begin_shutdown
        )
    )


@asynccontextmanager
async def in_process(name: str) -> AsyncIterator[Get]:
    """One service of the embedded system answering GETs in this process: its own app on its
    own database under ERP_DATA_DIR, as `erp up` builds it, for commands that need another
    service's figures (`erp finance verify`). Its lifespan does not run, so no relay or
    consumer starts and a running `erp up` keeps its events."""
    spec = registry.load(name)
    settings = load_settings(spec.settings_cls)
    # The command's report is its output; the app's request lines are not.
    configure_logging(level="WARNING", fmt=settings.log_format)
    database_url(name, settings)  # a failure from here on names this service's database
    app = create_app(spec, settings)
    db = app.state.runtime.db
    try:
        async with db.engine.connect() as conn:
            if await current_revision(spec.migrations, conn) is None:
                raise RuntimeError(f"the {name} database is not migrated; run `erp migrate`")
            problem = await schema_problem(spec.migrations, conn, spec.migrations.head())
        if problem is not None:
            raise RuntimeError(f"{name}: {problem}")
        yield partial(_asgi_get, app)
    finally:
        await db.dispose()


async def _asgi_get(
    app: FastAPI, path: str, params: Mapping[str, str], headers: Mapping[str, str]
) -> tuple[int, bytes]:
    """One GET through the app's full middleware and routing, without a socket."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": urlencode(params).encode(),
        "headers": [(b"host", b"localhost")]
        + [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 0),
        "server": ("localhost", 80),
        "state": {},
    }
    status, body, requested, done = 0, bytearray(), False, asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()  # as a client would: gone once the answer is complete
        return {"type": "http.disconnect"}

    async def send(message: Mapping[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))
            if not message.get("more_body"):
                done.set()

    await app(scope, receive, send)
    return status, bytes(body)
