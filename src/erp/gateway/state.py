"""The live parts of the gateway's control app, kept on `runtime.extras["gateway"]`.

Built by the start-up hook; the composite server (serve.py) attaches the proxy so that /status
can show breaker states, and shares the revocation list with it.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import redis.asyncio as aioredis

from erp.gateway.config import GatewaySettings
from erp.gateway.domain.lockout import LoginGuard
from erp.gateway.domain.revocation import REVOKED_KEY, AccessRevocations, active_revoked_ids
from erp.gateway.domain.tokens import AccessTokenSigner
from erp.gateway.proxy.revocation import RevokedTokens
from erp.platform.logging import get_logger
from erp.platform.runtime import Runtime
from erp.registry import SERVICE_NAMES

if TYPE_CHECKING:
    from erp.gateway.proxy import GatewayProxy

REVOCATION_SYNC_SECONDS = 5.0
log = get_logger(__name__)


@dataclass
class GatewayState:
    settings: GatewaySettings
    signer: AccessTokenSigner
    guard: LoginGuard
    revocations: AccessRevocations
    revoked: RevokedTokens
    upstreams: dict[str, str]
    redis: aioredis.Redis | None = None
    proxy: GatewayProxy | None = None
    openapi_cache: tuple[float, dict[str, Any]] | None = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


def configured_upstreams(settings: GatewaySettings) -> dict[str, str]:
    """ERP_<SERVICE>_URL of every other service that has one."""
    urls = {name: settings.service_url(name) for name in SERVICE_NAMES if name != "gateway"}
    return {name: url for name, url in urls.items() if url}


def signer_for(settings: GatewaySettings, secret: str) -> AccessTokenSigner:
    private = settings.jwt_private_key
    return AccessTokenSigner(
        algorithm=settings.jwt_algorithm,
        ttl_seconds=settings.access_token_ttl_seconds,
        secret=secret,
        private_key=private.get_secret_value() if private else None,
        public_key=settings.jwt_public_key,
    )


def gateway_state(runtime: Runtime) -> GatewayState:
    state: GatewayState = runtime.extras["gateway"]
    return state


async def start_gateway(runtime: Runtime) -> None:
    settings = runtime.settings
    assert isinstance(settings, GatewaySettings)
    client = (
        aioredis.Redis.from_url(settings.redis_url, socket_timeout=1.0)
        if settings.redis_url
        else None
    )
    revoked_key = settings.redis_key_prefix + REVOKED_KEY.removeprefix("erp:")
    revoked = RevokedTokens(settings.redis_url, revoked_key, REVOCATION_SYNC_SECONDS)
    state = GatewayState(
        settings=settings,
        signer=signer_for(settings, runtime.jwt_secret),
        guard=LoginGuard(
            client, max_failures=settings.login_max_failures, key_prefix=settings.redis_key_prefix
        ),
        revocations=AccessRevocations(client, key=revoked_key, on_revoke=revoked.add),
        revoked=revoked,
        upstreams=runtime.extras.get("upstreams") or configured_upstreams(settings),
        redis=client,
    )
    runtime.extras["gateway"] = state
    if settings.redis_url:
        with contextlib.suppress(OSError, aioredis.RedisError, TimeoutError):
            await asyncio.wait_for(revoked.refresh(), 2.0)
        revoked.start()
    else:
        state.tasks.append(asyncio.create_task(_sync_from_db(runtime, revoked)))


async def _sync_from_db(runtime: Runtime, revoked: RevokedTokens) -> None:
    """Without Redis, every replica reads the revoked ids from the gateway's database."""
    failing = False
    while True:
        try:
            async with runtime.db.read() as conn:
                revoked.replace(await active_revoked_ids(conn))
            failing = False
        except Exception as error:  # the last list stays in force
            if not failing:
                log.warning("revocation_sync_failed", error=str(error))
            failing = True
        await asyncio.sleep(REVOCATION_SYNC_SECONDS)


async def stop_gateway(runtime: Runtime) -> None:
    state: GatewayState | None = runtime.extras.get("gateway")
    if state is None:
        return
    for task in state.tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await state.revoked.stop()
    if state.redis is not None:
        await state.redis.aclose()
