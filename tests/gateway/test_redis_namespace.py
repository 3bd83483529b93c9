"""The gateway's Redis keys live under ERP_REDIS_KEY_PREFIX."""

from __future__ import annotations

import uuid

import redis.asyncio as aioredis

from erp.gateway.domain.lockout import LoginGuard


async def test_login_lockouts_use_the_configured_prefix(redis_url: str) -> None:
    prefix = f"erp:test:{uuid.uuid4().hex[:10]}:"
    client = aioredis.from_url(redis_url)
    try:
        guard = LoginGuard(client, max_failures=5, key_prefix=prefix)
        await guard.failed("alice", "192.0.2.7")
        keys = [k.decode() async for k in client.scan_iter(match=f"{prefix}*")]
        assert len(keys) == 1 and keys[0].startswith(f"{prefix}login:")
        await client.delete(*keys)
    finally:
        await client.aclose()
