"""Assembles the gateway's control app (no logic here); `erp serve gateway` runs it behind the
proxy engine in one process (serve.py)."""

from __future__ import annotations

from fastapi import FastAPI

from erp.gateway.api import routers
from erp.gateway.api.deps import ControlVerifier
from erp.gateway.api.docs import replace_docs_routes
from erp.gateway.bootstrap import ensure_admin
from erp.gateway.config import GatewaySettings
from erp.gateway.models import metadata
from erp.gateway.serve import serve_gateway
from erp.gateway.state import start_gateway, stop_gateway
from erp.platform.db.migrations import MigrationSet
from erp.platform.service import ServiceSpec


def _customize(app: FastAPI) -> None:
    app.state.token_verifier = ControlVerifier(app.state.runtime)
    replace_docs_routes(app)


SPEC = ServiceSpec(
    name="gateway",
    title="erp-system",
    settings_cls=GatewaySettings,
    migrations=MigrationSet("gateway", "erp.gateway:migrations", metadata),
    routers=routers,
    on_startup=(start_gateway, ensure_admin),
    on_shutdown=(stop_gateway,),
    customize_app=_customize,
    serve=serve_gateway,
)
