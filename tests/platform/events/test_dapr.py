"""The app side of the Dapr pub/sub contract over real HTTP. No daprd runs here: a stand-in
sidecar answers the two sidecar endpoints we call, and the test sends what Dapr would send."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import uvicorn
from aiohttp import web

from erp.platform.app import create_app
from erp.platform.db.migrations import upgrade
from erp.platform.settings import ServiceSettings
from tests.platform.events import sample
from tests.platform.events.conftest import eventually, free_port

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@dataclass
class Sidecar:
    port: int
    published: list[tuple[str, str, dict[str, Any]]]
    healthy: bool = True


@pytest.fixture
async def sidecar() -> AsyncIterator[Sidecar]:
    state = Sidecar(free_port(), [])

    async def publish(request: web.Request) -> web.Response:
        body = json.loads(await request.read())
        state.published.append((request.match_info["topic"], request.content_type, body))
        return web.Response(status=204)

    async def healthz(_: web.Request) -> web.Response:
        return web.Response(status=204 if state.healthy else 500)

    app = web.Application()
    app.router.add_post("/v1.0/publish/{pubsub}/{topic}", publish)
    app.router.add_get("/v1.0/healthz/outbound", healthz)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", state.port).start()
    yield state
    await runner.cleanup()


@pytest.fixture
async def service(
    sidecar: Sidecar, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[str]:
    """The sample service on a real port, Dapr transport, its own SQLite file."""
    monkeypatch.setenv("DAPR_HTTP_PORT", str(sidecar.port))
    url = f"sqlite+aiosqlite:///{tmp_path / 'ledger.db'}"
    spec = sample.spec()
    await asyncio.to_thread(upgrade, spec.migrations, url)
    settings = ServiceSettings(
        database_url=url, event_transport="dapr", relay_sweep_seconds=0.2, data_dir=tmp_path
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(spec, settings), port=port, log_config=None, lifespan="on")
    )
    task = asyncio.create_task(server.serve())

    async def started() -> bool:
        return bool(server.started)

    await eventually(started, within=10)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


def as_dapr_delivers(event_id: str, subject: str = "a", amount: str = "5") -> dict[str, Any]:
    """A CloudEvent as Dapr forwards it: ours, plus the fields Dapr adds."""
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": sample.SOURCE,
        "type": sample.TOPIC,
        "subject": subject,
        "time": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "datacontenttype": "application/json",
        "sequence": 1,
        "data": {"amount": amount},
        "traceparent": TRACEPARENT,
        "pubsubname": "pubsub",
        "topic": sample.TOPIC,
        "traceid": TRACEPARENT,
        "tracestate": "",
    }


async def deliver(base: str, body: Any, topic: str = sample.TOPIC) -> tuple[int, dict[str, Any]]:
    async with (
        aiohttp.ClientSession() as client,
        client.post(
            f"{base}/dapr/events/{topic}",
            data=body if isinstance(body, str) else json.dumps(body),
            headers={"content-type": "application/cloudevents+json", "traceparent": TRACEPARENT},
        ) as response,
    ):
        return response.status, await response.json()


async def test_subscriptions_are_declared_on_dapr_subscribe(service: str) -> None:
    async with aiohttp.ClientSession() as client, client.get(f"{service}/dapr/subscribe") as r:
        assert r.status == 200
        assert await r.json() == [
            {
                "pubsubname": "pubsub",
                "topic": sample.TOPIC,
                "route": f"/dapr/events/{sample.TOPIC}",
                "deadLetterTopic": f"{sample.TOPIC}.dead",
            }
        ]


async def test_delivery_replies_success_once_applied_and_on_redelivery(service: str) -> None:
    event = as_dapr_delivers(uuid.uuid4().hex)
    assert await deliver(service, event) == (200, {"status": "SUCCESS"})
    assert await deliver(service, event) == (200, {"status": "SUCCESS"})


async def test_handler_failure_replies_retry(service: str) -> None:
    sample.Behaviour.failing = {"frozen"}
    try:
        status = await deliver(service, as_dapr_delivers(uuid.uuid4().hex, subject="frozen"))
    finally:
        sample.Behaviour.failing = set()
    assert status == (200, {"status": "RETRY"})


async def test_malformed_or_unknown_events_reply_drop(service: str) -> None:
    assert await deliver(service, "{not json") == (200, {"status": "DROP"})
    assert await deliver(service, {"id": "x"}) == (200, {"status": "DROP"})
    unknown = await deliver(service, as_dapr_delivers("y"), topic="other.topic")
    assert unknown == (200, {"status": "DROP"})


async def test_publishing_goes_through_the_sidecar_http_api(
    service: str, sidecar: Sidecar, tmp_path: Path
) -> None:
    from erp.platform.db import Database

    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'ledger.db'}")
    await sample.emit(db, [("a", 1)])
    await db.dispose()

    async def published() -> bool:
        return bool(sidecar.published)

    await eventually(published, within=5)
    topic, content_type, body = sidecar.published[0]
    assert topic == sample.TOPIC and content_type == "application/cloudevents+json"
    assert body["specversion"] == "1.0" and body["subject"] == "a" and body["sequence"] == 1


async def test_readiness_reports_the_sidecar(service: str, sidecar: Sidecar) -> None:
    async with aiohttp.ClientSession() as client:
        async with client.get(f"{service}/readyz") as r:
            assert r.status == 200, await r.text()
        sidecar.healthy = False
        async with client.get(f"{service}/readyz") as r:
            assert r.status == 503
            assert "sidecar" in (await r.json())["checks"]["events"]
