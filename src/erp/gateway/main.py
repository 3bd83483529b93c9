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
from erp.platform.assembly import service_spec


def _customize(app: FastAPI) -> None:
    app.state.token_verifier = ControlVerifier(app.state.runtime)
    replace_docs_routes(app)


SPEC = service_spec(
    "gateway",
    GatewaySettings,
    metadata,
    routers,
    title="erp-system",
    on_startup=(start_gateway, ensure_admin),
    on_shutdown=(stop_gateway,),
    customize_app=_customize,
    serve=serve_gateway,
)
