"""GET /status: each upstream's readiness and circuit-breaker state (the edge's view)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends

from erp.gateway.api.deps import StateDep
from erp.gateway.domain.upstreams import http_get
from erp.gateway.proxy.breaker import CLOSED, HALF_OPEN, OPEN
from erp.gateway.state import GatewayState
from erp.platform.auth import ROLES, Principal, require_roles

router = APIRouter(tags=["status"])
BREAKER_NAMES = {CLOSED: "closed", OPEN: "open", HALF_OPEN: "half-open"}
CHECK_TIMEOUT = 2.0
AnyRole = Annotated[Principal, Depends(require_roles(*ROLES))]


def _breaker(state: GatewayState, url: str) -> str:
    core = state.proxy.core if state.proxy is not None else None
    pool = core.pools.get(url) if core is not None else None
    return BREAKER_NAMES[pool.breaker.state] if pool is not None else "unknown"


async def _upstream(state: GatewayState, name: str, url: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"url": url, "breaker": _breaker(state, url)}
    try:
        status, body = await http_get(url, "/readyz", timeout=CHECK_TIMEOUT)
    except (OSError, TimeoutError) as error:
        entry.update(ready=False, detail=f"unreachable: {type(error).__name__} {error}"[:200])
        return entry
    entry.update(ready=status == 200, status=status)
    with contextlib.suppress(ValueError, AttributeError):
        entry["checks"] = json.loads(body).get("checks")
    return entry


@router.get("/status")
async def status(state: StateDep, _: AnyRole) -> dict[str, Any]:
    """Readiness of every upstream service, checked now, with its checks and the state of the
    edge's circuit breaker for it; `status` is `degraded` when any is not ready. Any role."""
    names = list(state.upstreams)
    results = await asyncio.gather(*(_upstream(state, n, state.upstreams[n]) for n in names))
    upstreams = dict(zip(names, results, strict=True))
    return {
        "status": "ok" if all(u["ready"] for u in upstreams.values()) else "degraded",
        "upstreams": upstreams,
    }
