"""/openapi.json: the gateway's own document plus every upstream's, prefixed; cached briefly.
/docs (the platform's Swagger UI) reads it."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from erp.gateway.api.deps import StateDep
from erp.gateway.domain.openapi import combine
from erp.gateway.domain.upstreams import http_get

router = APIRouter(include_in_schema=False)
CACHE_SECONDS = 60.0
FETCH_TIMEOUT = 3.0
CDN = "https://cdn.jsdelivr.net"
DOCS_CSP = (
    f"default-src 'none'; script-src {CDN} 'unsafe-inline'; style-src {CDN} 'unsafe-inline'; "
    "img-src 'self' data: https://fastapi.tiangolo.com; connect-src 'self'; "
    "frame-ancestors 'none'"
)


async def _fetch(url: str) -> dict[str, Any]:
    status, body = await http_get(url, "/openapi.json", timeout=FETCH_TIMEOUT)
    if status != 200:
        raise OSError(f"HTTP {status}")
    doc: dict[str, Any] = json.loads(body)
    return doc


@router.get("/openapi.json")
async def combined_openapi(request: Request, state: StateDep) -> JSONResponse:
    now = time.monotonic()
    if state.openapi_cache is not None and now - state.openapi_cache[0] < CACHE_SECONDS:
        return JSONResponse(state.openapi_cache[1])
    names = list(state.upstreams)
    fetched = await asyncio.gather(
        *(_fetch(state.upstreams[n]) for n in names), return_exceptions=True
    )
    docs = {n: d for n, d in zip(names, fetched, strict=True) if isinstance(d, dict)}
    failed = {
        n: f"{type(d).__name__}: {d}"[:100]
        for n, d in zip(names, fetched, strict=True)
        if isinstance(d, BaseException)
    }
    app: FastAPI = request.app
    doc = combine(app.openapi(), docs, failed=failed)
    if not failed:  # an incomplete document is served but not kept
        state.openapi_cache = (now, doc)
    return JSONResponse(doc)


@router.get("/docs")
async def docs() -> HTMLResponse:
    """Swagger UI; its own CSP (the edge's default allows no scripts)."""
    page = get_swagger_ui_html(openapi_url="/openapi.json", title="erp-system API")
    page.headers["content-security-policy"] = DOCS_CSP
    return page


def replace_docs_routes(app: FastAPI) -> None:
    """Swap FastAPI's own /openapi.json and /docs routes for the combined ones."""
    own = {app.openapi_url, app.docs_url, "/docs/oauth2-redirect"}
    app.router.routes[:] = [r for r in app.router.routes if getattr(r, "path", None) not in own]
    app.include_router(router)
