"""Dependencies every service's routes use, as `Annotated` aliases that read as English."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.responses import Response

from erp.platform.auth import Principal, require_roles
from erp.platform.db.tables import MAX_ID
from erp.platform.idempotency import run_command
from erp.platform.pagination import DEFAULT_LIMIT, MAX_LIMIT
from erp.platform.runtime import Runtime


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def read_connection(runtime: RuntimeDep) -> AsyncIterator[AsyncConnection]:
    async with runtime.db.read() as conn:
        yield conn


ReadConnection = Annotated[AsyncConnection, Depends(read_connection)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")]
# A row id in a path: a number past BIGINT names no row and must not reach the database.
RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
Cursor = Annotated[str | None, Query(description="`next_cursor` of the previous page.")]


def utc(moment: datetime | None) -> datetime | None:
    """Query timestamps without a zone are read as UTC."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass
class Command:
    """A state change: one write transaction, replayable through `Idempotency-Key`."""

    request: Request
    runtime: Runtime
    principal: Principal

    async def run(
        self,
        work: Callable[[AsyncConnection], Awaitable[Any]],
        *,
        returns: type[BaseModel],
        status_code: int = 201,
    ) -> Response:
        """Run `work`; its result is shaped by the `returns` model (decimals as strings)."""
        keys = self.runtime.metadata.tables["idempotency_keys"]

        async def shaped(conn: AsyncConnection) -> Any:
            return returns.model_validate(await work(conn)).model_dump(mode="json")

        return await run_command(
            self.request, self.runtime.db, keys, self.principal, shaped, status_code=status_code
        )


def command_for(*roles: str) -> Callable[..., Awaitable[Command]]:
    """A dependency giving a `Command` to callers holding one of `roles`."""
    authorize = require_roles(*roles)

    # A default, not Annotated: a string annotation cannot see this local `authorize`.
    async def dependency(
        request: Request, runtime: RuntimeDep, principal: Principal = Depends(authorize)
    ) -> Command:
        return Command(request, runtime, principal)

    dependency.allowed_roles = authorize.allowed_roles  # type: ignore[attr-defined]
    return dependency


__all__ = [
    "DEFAULT_LIMIT",
    "Command",
    "Cursor",
    "Limit",
    "ReadConnection",
    "RuntimeDep",
    "command_for",
    "utc",
]
