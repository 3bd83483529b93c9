"""Inventory publishes its events through the backbone: contents, and delivery after a crash."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from sqlalchemy import select

from erp.inventory.main import SPEC
from erp.platform.app import create_app
from erp.platform.auth import mint_token
from erp.platform.db import Database
from erp.platform.db.migrations import upgrade
from erp.platform.settings import ServiceSettings

SECRET = "x" * 40
ERP = str(Path(sys.executable).with_name("erp"))
REDIS_URL = os.environ.get("ERP_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def headers() -> dict[str, str]:
    token = mint_token(SECRET, subject="tester", roles=["admin"])
    return {"authorization": f"Bearer {token}"}


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, Database]]:
    """Inventory over ASGI with no lifespan: the relay is off, so the outbox keeps every row."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'inventory.db'}"
    await asyncio.to_thread(upgrade, SPEC.migrations, url)
    settings = ServiceSettings(database_url=url, jwt_secret=SECRET, data_dir=tmp_path)
    app = create_app(SPEC, settings)
    transport = httpx.ASGITransport(app=app)
    db = Database(url)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://inv", headers=headers()
    ) as c:
        yield c, db
    await db.dispose()
    await app.state.runtime.db.dispose()


async def seed(client: httpx.AsyncClient) -> None:
    for path, body in [
        ("/warehouses", {"code": "MAIN", "name": "Main"}),
        ("/warehouses", {"code": "EAST", "name": "East"}),
        ("/items", {"sku": "BOLT", "name": "Bolt", "uom": "pc", "reorder_point": "10"}),
    ]:
        response = await client.post(path, json=body)
        assert response.status_code == 201, response.text


async def outbox(db: Database) -> list[dict[str, Any]]:
    table = SPEC.migrations.metadata.tables["outbox"]
    async with db.read() as conn:
        rows = (await conn.execute(select(table.c.payload).order_by(table.c.id))).scalars()
        return [json.loads(r) for r in rows]


async def test_movements_and_reservations_publish_their_events(
    api: tuple[httpx.AsyncClient, Database],
) -> None:
    client, db = api
    await seed(client)
    receipt = await client.post(
        "/movements",
        json={
            "type": "receipt",
            "warehouse": "MAIN",
            "lines": [{"sku": "BOLT", "quantity": "20", "unit_cost": "2.50"}],
        },
    )
    assert receipt.status_code == 201, receipt.text
    issue = await client.post(
        "/movements",
        json={"type": "issue", "warehouse": "MAIN", "lines": [{"sku": "BOLT", "quantity": "15"}]},
    )
    assert issue.status_code == 201, issue.text
    reversal = await client.post(f"/movements/{issue.json()['id']}/reverse", json={})
    assert reversal.status_code == 201, reversal.text
    hold = await client.post(
        "/reservations", json={"sku": "BOLT", "warehouse": "MAIN", "quantity": "1"}
    )
    assert hold.status_code == 201, hold.text

    events = await outbox(db)
    types = [e["type"] for e in events]
    assert types == [
        "inventory.item-changed",
        "inventory.stock-moved",
        "inventory.stock-moved",
        "inventory.low-stock",
        "inventory.stock-moved",
        "inventory.movement-reversed",
        "inventory.reservation-changed",
    ]
    assert events[0]["subject"] == "item/BOLT"
    assert events[0]["data"]["uom"] == "pc" and events[0]["data"]["reorder_point"].startswith("10")
    moved = events[2]
    assert moved["specversion"] == "1.0" and moved["source"] == "erp/inventory"
    assert moved["subject"] == "warehouse/MAIN" and moved["sequence"] == 2
    assert moved["data"]["posting_date"] == issue.json()["posting_date"]
    [line] = moved["data"]["lines"]
    assert line["sku"] == "BOLT" and line["warehouse"] == "MAIN" and line["uom"] == "pc"
    assert line["quantity"].startswith("-15") and line["on_hand_after"].startswith("5")
    assert {"unit_cost", "value", "average_cost_after"} <= set(line)
    low = events[3]["data"]
    assert low["sku"] == "BOLT" and low["reorder_point"].startswith("10")
    assert events[5]["data"]["reverses"] == issue.json()["id"]
    sequences = [e["sequence"] for e in events if e["subject"] == "warehouse/MAIN"]
    assert sequences == sorted(sequences) == list(range(1, len(sequences) + 1))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [ERP, "serve", "inventory"],
        env={**os.environ, **env, "ERP_PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=0.5)
            return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("erp serve inventory did not start")


@pytest.mark.redis
@pytest.mark.slow
def test_killed_inventory_publishes_committed_movements_after_restart(tmp_path: Path) -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        if os.environ.get("CI") == "true":
            pytest.fail("Redis is required when CI=true")
        pytest.skip("Redis not reachable")
    prefix = f"erp:test:{uuid.uuid4().hex[:10]}:"
    env = {
        "ERP_DATA_DIR": str(tmp_path),
        "ERP_JWT_SECRET": SECRET,
        "ERP_EVENT_TRANSPORT": "redis",
        "ERP_REDIS_URL": REDIS_URL,
        "ERP_EVENT_STREAM_PREFIX": prefix,
        "ERP_RELAY_SWEEP_SECONDS": "0.5",
        "ERP_SHUTDOWN_DELAY_SECONDS": "0",
    }
    subprocess.run(
        [ERP, "migrate", "inventory"],
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )
    port = free_port()
    # Broker unreachable: the movement commits, its event cannot leave.
    first = serve({**env, "ERP_REDIS_URL": "redis://127.0.0.1:1/0"}, port)
    base = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=base, headers=headers()) as client:
        for path, body in [
            ("/warehouses", {"code": "MAIN", "name": "Main"}),
            ("/items", {"sku": "BOLT", "name": "Bolt", "uom": "pc"}),
            (
                "/movements",
                {
                    "type": "receipt",
                    "warehouse": "MAIN",
                    "lines": [{"sku": "BOLT", "quantity": "3", "unit_cost": "1"}],
                },
            ),
        ]:
            assert client.post(path, json=body).status_code == 201
        assert client.get("/readyz").status_code == 503
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    second = serve({**env, "ERP_REDIS_URL": REDIS_URL}, port)
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    stream = f"{prefix}inventory.stock-moved"
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and client.xlen(stream) == 0:
            time.sleep(0.1)
        entries = client.xrange(stream)
        assert len(entries) == 1
        event = json.loads(entries[0][1]["event"])
        assert event["data"]["lines"][0]["sku"] == "BOLT"
        assert httpx.get(f"{base}/readyz").status_code == 200
        metrics = httpx.get(f"{base}/metrics").text
        assert 'erp_outbox_backlog{service="inventory"} 0.0' in metrics
    finally:
        second.terminate()
        second.wait(30)
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)
