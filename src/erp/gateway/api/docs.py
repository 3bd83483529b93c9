"""/openapi.json: the gateway's own document plus every upstream's, prefixed; cached briefly.
/docs: Swagger UI from this installation (its script and stylesheet come with the
`fastapi-offline` package), so it works offline and under a CSP that allows only 'self'."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from erp.gateway.api.deps import StateDep
from erp.gateway.domain.openapi import combine
from erp.gateway.domain.upstreams import http_get
from erp.platform.errors import NotFound

router = APIRouter(include_in_schema=False)
CACHE_SECONDS = 60.0
FETCH_TIMEOUT = 3.0
ASSETS = "/docs/assets"
# Swagger UI draws its icons from data: URLs and calls only this origin (the document,
# /auth/token and the API); no inline script or style runs.
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
_BUNDLED = Path(fastapi_offline.__file__).parent / "static"

# Started from a file rather than inline, as the CSP requires. No validator badge: that would
# send the document to a public service.
INIT_JS = """\
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
});
"""
PAGE = f"""\
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>erp-system API</title>
<link rel="icon" type="image/png" href="{ASSETS}/favicon.png">
<link rel="stylesheet" href="{ASSETS}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{ASSETS}/swagger-ui-bundle.js"></script>
<script src="{ASSETS}/init.js"></script>
</body>
</html>
"""


@dataclass(frozen=True)
class Asset:
    body: bytes
    media_type: str
    etag: str


def _asset(body: bytes, media_type: str) -> Asset:
    return Asset(body, media_type, f'"{hashlib.sha256(body).hexdigest()[:32]}"')


_SOURCES = {
    "swagger-ui-bundle.js": (_BUNDLED / "swagger-ui-bundle.js", "text/javascript; charset=utf-8"),
    "swagger-ui.css": (_BUNDLED / "swagger-ui.css", "text/css; charset=utf-8"),
    "favicon.png": (_BUNDLED / "favicon.png", "image/png"),
}
_loaded: dict[str, Asset] = {}


def asset(name: str) -> Asset | None:
    """A file /docs needs, read once; None for any other name."""
    if name not in _loaded:
        if name == "init.js":
            _loaded[name] = _asset(INIT_JS.encode(), "text/javascript; charset=utf-8")
        elif name in _SOURCES:
            path, media_type = _SOURCES[name]
            _loaded[name] = _asset(path.read_bytes(), media_type)
        else:
            return None
    return _loaded[name]


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
    return HTMLResponse(PAGE, headers={"content-security-policy": DOCS_CSP})


@router.get(ASSETS + "/{name}")
async def docs_asset(name: str, request: Request) -> Response:
    """Swagger UI's files; revalidated by ETag, so an upgrade shows at the next load."""
    found = asset(name)
    if found is None:
        raise NotFound(f"no asset {name!r}")
    headers = {
        "content-security-policy": DOCS_CSP,
        "cache-control": "no-cache",
        "etag": found.etag,
    }
    if request.headers.get("if-none-match") == found.etag:
        return Response(status_code=304, headers=headers)
    return Response(found.body, media_type=found.media_type, headers=headers)


def replace_docs_routes(app: FastAPI) -> None:
    """Swap FastAPI's own /openapi.json and /docs routes for the combined ones."""
    own = {app.openapi_url, app.docs_url, "/docs/oauth2-redirect"}
    app.router.routes[:] = [r for r in app.router.routes if getattr(r, "path", None) not in own]
    app.include_router(router)
