"""`/healthz` (liveness: the loop answers) and `/readyz` (readiness: every check passes)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

ReadinessCheck = Callable[[], Awaitable[None]]
_CHECK_TIMEOUT_SECONDS = 2.0


@dataclass
class Readiness:
    """Named checks; a check raises to say what is wrong. Shutting down fails readiness first."""

    checks: dict[str, ReadinessCheck] = field(default_factory=dict)
    shutting_down: bool = False

    def add(self, name: str, check: ReadinessCheck) -> None:
        self.checks[name] = check

    async def evaluate(self) -> tuple[bool, dict[str, str]]:
        results: dict[str, str] = {"shutdown": "shutting down" if self.shutting_down else "ok"}

        async def run(name: str, check: ReadinessCheck) -> None:
            try:
                await asyncio.wait_for(check(), _CHECK_TIMEOUT_SECONDS)
                results[name] = "ok"
            except TimeoutError:
                results[name] = f"timed out after {_CHECK_TIMEOUT_SECONDS}s"
            except Exception as error:  # a failing check is data, not a crash
                results[name] = f"{type(error).__name__}: {error}"[:300]

        await asyncio.gather(*(run(n, c) for n, c in self.checks.items()))
        return all(v == "ok" for v in results.values()), results


router = APIRouter(include_in_schema=False)


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    readiness: Readiness = request.app.state.readiness
    ready, checks = await readiness.evaluate()
    return JSONResponse(
        {"status": "ready" if ready else "unready", "checks": checks},
        status_code=200 if ready else 503,
    )
