from __future__ import annotations

import pytest
import typer
from redis.asyncio import Redis

from erp.platform.events.cli import print_status, replay
from tests.platform.events import sample

pytestmark = pytest.mark.redis


@pytest.fixture
def redis_env(
    monkeypatch: pytest.MonkeyPatch, redis_url: str, stream_prefix: str, sqlite_url: str
) -> str:
    monkeypatch.setenv("ERP_EVENT_TRANSPORT", "redis")
    monkeypatch.setenv("ERP_REDIS_URL", redis_url)
    monkeypatch.setenv("ERP_EVENT_STREAM_PREFIX", stream_prefix)
    monkeypatch.setenv("ERP_DATABASE_URL", sqlite_url)
    return f"{stream_prefix}{sample.TOPIC}"


async def test_replay_asks_first_and_moves_dead_letters_back(
    redis_env: str, redis_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    client = Redis.from_url(redis_url, decode_responses=True)
    await client.xadd(f"{redis_env}:dead", {"event": "{}", "group": "ledger", "reason": "boom"})
    await client.xadd(f"{redis_env}:dead", {"event": "{}", "group": "other", "reason": "boom"})
    monkeypatch.setattr(typer, "confirm", lambda *_a, **_k: False)
    assert await replay([sample.spec()], topic=None, confirm=True) == 1
    assert await client.xlen(f"{redis_env}:dead") == 2
    await print_status([sample.spec()])
    assert "ledger.credited" in capsys.readouterr().out
    assert await replay([sample.spec()], topic=None, confirm=False) == 0
    assert await client.xlen(f"{redis_env}:dead") == 1  # only this service's
    assert await client.xlen(redis_env) == 1
    await client.aclose()
