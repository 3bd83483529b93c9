"""Dependencies every service's routes use, as `Annotated` aliases that read as English."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.responses import Response

from erp.platform.auth import ROLES, Principal, require_roles
from erp.platform.db.tables import MAX_ID
from erp.platform.idempotency import MAX_KEY_LENGTH, run_command
from erp.platform.pagination import DEFAULT_LIMIT, MAX_LIMIT, PageRequest
from erp.platform.runtime import Runtime


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def read_connection(runtime: RuntimeDep) -> AsyncIterator[AsyncConnection]:
    async with runtime.db.read() as conn:
        yield conn


ReadConnection = Annotated[AsyncConnection, Depends(read_connection)]


def reading_for(*roles: str) -> Callable[..., AsyncIterator[AsyncConnection]]:
    """A dependency giving a read connection to callers holding one of `roles`; anyone else
    is refused before a connection is taken."""
    authorize = require_roles(*roles)

    # A default, not Annotated: a string annotation cannot see this local `authorize`.
    async def dependency(
        runtime: RuntimeDep, _: Principal = Depends(authorize)
    ) -> AsyncIterator[AsyncConnection]:
        async with runtime.db.read() as conn:
            yield conn

    dependency.allowed_roles = authorize.allowed_roles  # type: ignore[attr-defined]
    return dependency


Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")]
# A row id in a path: a number past BIGINT names no row and must not reach the database.
RowId = Annotated[int, Path(ge=1, le=MAX_ID, description="The id it was created with.")]
Cursor = Annotated[str | None, Query(description="`next_cursor` of the previous page.")]


async def page_request(limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> PageRequest:
    return PageRequest(limit, cursor)


# `limit` and `cursor` of a list endpoint, as query parameters.
Paging = Annotated[PageRequest, Depends(page_request)]


def utc(moment: datetime | None) -> datetime | None:
    """Query timestamps without a zone are read as UTC."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def rendered(model: BaseModel, *, status_code: int = 200) -> Response:
    """A route's answer rendered once by its model's own serializer. Returned as a response,
    it skips FastAPI's second validation and encoding of the same model (`response_model`
    still documents the route)."""
    return Response(model.model_dump_json(), status_code=status_code, media_type=_JSON)


_JSON = "application/json"


@dataclass
class Command:
    """A state change: one write transaction, replayable through `Idempotency-Key`."""

    request: Request
    runtime: Runtime
    principal: Principal

    @property
    def user(self) -> str:
        """Who the change is recorded as made by."""
        return self.principal.username

    async def run(
        self,
        work: Callable[..., Awaitable[Any]],
        /,
        *,
        returns: type[BaseModel],
        status_code: int = 201,
        **arguments: Any,
    ) -> Response:
        """Run `work(conn, **arguments)`; its result is shaped by the `returns` model (decimals
        as strings)."""
        keys = self.runtime.metadata.tables["idempotency_keys"]

        # Rendered once, by the model's own serializer: the answer and the stored replay.
        async def rendered(conn: AsyncConnection) -> str:
            return returns.model_validate(await work(conn, **arguments)).model_dump_json()

        return await run_command(
            self.request, self.runtime.db, keys, self.principal, rendered, status_code=status_code
        )


# Declared so that /docs shows it on every state change; `run_command` reads and checks it.
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description=(
            "Makes a retry safe: the same caller sending the same key, path and body again gets"
            " the first answer back (with `Idempotent-Replayed: true`) and causes no second"
            " effect. The same key with another path or body is a 422. A request that failed is"
            f" not remembered. 1-{MAX_KEY_LENGTH} printable characters."
        ),
        examples=["7d0f5c2e-4b1a-4c9e-9a57-1f0d3b2a6c11"],
    ),
]


def command_for(*roles: str) -> Callable[..., Awaitable[Command]]:
    """A dependency giving a `Command` to callers holding one of `roles`."""
    authorize = require_roles(*roles)

    # A default, not Annotated: a string annotation cannot see this local `authorize`.
    async def dependency(
        request: Request,
        runtime: RuntimeDep,
        _key: IdempotencyKey = None,
        principal: Principal = Depends(authorize),
    ) -> Command:
        return Command(request, runtime, principal)

    dependency.allowed_roles = authorize.allowed_roles  # type: ignore[attr-defined]
    return dependency


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    for sub in dependant.dependencies:
        yield sub
        yield from _dependants(sub)


_ACCESS = "Roles: "


def describe_access(routers: Iterable[APIRouter]) -> list[APIRouter]:
    """Add to each route's description, for /docs, the roles its dependencies admit and
    whether it takes an `Idempotency-Key`: the code that enforces them is the one source."""
    routers = list(routers)
    for route in (r for router in routers for r in router.routes):
        if not isinstance(route, APIRoute):
            continue
        found = list(_dependants(route.dependant))
        allowed = [getattr(d.call, "allowed_roles", None) for d in found]
        roles = next((a for a in allowed if a is not None), None)
        if roles is None:
            continue
        text = _ACCESS + ", ".join(r for r in ROLES if r in roles) + "."
        if any(p.alias == "Idempotency-Key" for d in found for p in d.header_params):
            text += " Safe to retry with an `Idempotency-Key`."
        # Idempotent: the same routers may serve several apps (tests build many).
        own = "" if route.description.startswith(_ACCESS) else route.description
        own = own.rsplit("\n\n" + _ACCESS, 1)[0]
        route.description = f"{own}\n\n{text}" if own else text
    return routers


__all__ = [
    "DEFAULT_LIMIT",
    "Command",
    "Cursor",
    "Limit",
    "Paging",
    "ReadConnection",
    "RuntimeDep",
    "command_for",
    "describe_access",
    "reading_for",
    "rendered",
    "utc",
]
