"""`erp up`: the whole system in one process, SQLite files under ERP_DATA_DIR, no Redis.

The real gateway listens on http://127.0.0.1:8000 (ERP_PORT) exactly as in Kubernetes: its
proxy engine forwards /api/<service>/ to each embedded service, served on its own unix socket
in the same event loop, and everything else to the gateway's control app (tokens, users,
/status, /docs). Each service keeps its own app, database and migrations.
"""

from __future__ import annotations

from typing import Any

import uvloop
from fastapi import FastAPI

from erp import registry
from erp.gateway.config import GatewaySettings
from erp.gateway.serve import run_gateway
from erp.platform.app import create_app
from erp.platform.db import normalise_url
from erp.platform.db.migrations import upgrade
from erp.platform.logging import configure_logging, get_logger
from erp.platform.settings import load_settings

log = get_logger(__name__)
GATEWAY = "gateway"


def build_embedded_apps() -> tuple[FastAPI, dict[str, FastAPI]]:
    """The gateway's control app and every other service's app, databases migrated."""
    apps: dict[str, FastAPI] = {}
    for name in registry.names():
        spec = registry.load(name)
        settings = load_settings(spec.settings_cls)
        upgrade(spec.migrations, normalise_url(settings.database_url, service=name,
                                               data_dir=settings.data_dir))  # fmt: skip
        apps[name] = create_app(spec, settings)
    control = apps.pop(GATEWAY)
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
    control, services = build_embedded_apps()

    def begin_shutdown() -> None:
        for sub in services.values():
            sub.state.readiness.shutting_down = True

    host = "127.0.0.1" if settings.host == "0.0.0.0" else settings.host
    log.info("erp_up", url=f"http://{host}:{settings.port}", data_dir=str(settings.data_dir))
    uvloop.run(
        run_gateway(
            control, settings, host=host, services=services, on_shutdown_begin=begin_shutdown
        )
    )
