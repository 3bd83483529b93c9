"""An HTTP client bound to one service app (lifespan entered) with role-based tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from erp.platform.app import create_app
from erp.platform.auth import mint_token
from erp.platform.service import ServiceSpec

JWT_SECRET = "test-secret-0123456789-0123456789-abcdef"


class ServiceClient(httpx.AsyncClient):
    """`client.as_role("warehouse").post(...)` sends a token for that role."""

    app: FastAPI

    def token(self, *roles: str, subject: str = "tester", ttl: int = 600) -> str:
        return mint_token(JWT_SECRET, subject=subject, roles=list(roles), ttl_seconds=ttl)

    def auth(self, *roles: str, subject: str = "tester") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(*roles, subject=subject)}"}


@asynccontextmanager
async def service_client(
    spec: ServiceSpec,
    *,
    database_url: str,
    data_dir: Any,
    role: str | None = "admin",
    **settings: Any,
) -> AsyncIterator[ServiceClient]:
    config = spec.settings_cls(
        database_url=database_url,
        data_dir=data_dir,  # type: ignore[call-arg]
        jwt_secret=JWT_SECRET,
        **settings,
    )
    app = create_app(spec, config)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with ServiceClient(transport=transport, base_url="http://test") as client:
            client.app = app
            if role:
                client.headers.update(client.auth(role))
            yield client
