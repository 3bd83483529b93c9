"""Health, readiness, metrics, request ids and traceparent on a real service app."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from erp.inventory.main import SPEC
from tests.support.clients import ServiceClient, service_client
from tests.support.databases import SqliteFactory


async def test_readyz_reports_each_check(inventory: ServiceClient) -> None:
    response = await inventory.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {
        "shutdown": "ok",
        "database": "ok",
        "migrations": "ok",
        "events": "ok",
    }


async def test_readyz_is_503_naming_the_failing_check(tmp_path: Path) -> None:
    unmigrated = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    async with service_client(SPEC, database_url=unmigrated, data_dir=tmp_path) as client:
        response = await client.get("/readyz")
        assert response.status_code == 503
        checks = response.json()["checks"]
        assert checks["database"] == "ok"
        assert "erp migrate inventory" in checks["migrations"]
        assert (await client.get("/healthz")).status_code == 200, "liveness ignores the DB"


async def test_readyz_turns_503_when_shutting_down(inventory: ServiceClient) -> None:
    inventory.app.state.readiness.shutting_down = True
    response = await inventory.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["shutdown"] == "shutting down"


async def test_metrics_count_requests_by_route_template(inventory: ServiceClient) -> None:
    await inventory.get("/items/ABC")
    await inventory.get("/items/DEF")
    body = (await inventory.get("/metrics")).text
    line = next(
        ln
        for ln in body.splitlines()
        if ln.startswith("erp_http_requests_total{")
        and 'route="/items/{sku}"' in ln
        and 'status="404"' in ln
    )
    assert float(line.rsplit(" ", 1)[1]) >= 2
    assert "erp_http_request_duration_seconds_bucket" in body
    assert 'erp_build_info{service="inventory"' in body
    assert "erp_db_pool_in_use" in body


async def test_request_id_is_echoed_or_generated(inventory: ServiceClient) -> None:
    given = await inventory.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    made = await inventory.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert made.headers["x-request-id"] not in ("", "bad id\twith spaces")


async def test_traceparent_reaches_the_outbox(
    tmp_path: Path, sqlite_templates: SqliteFactory
) -> None:
    url = sqlite_templates.fresh(SPEC, tmp_path)
    trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    async with service_client(SPEC, database_url=url, data_dir=tmp_path) as client:
        await client.post("/warehouses", json={"code": "W", "name": "W"})
        await client.post("/items", json={"sku": "A", "name": "A", "uom": "ea"})
        async with client.app.state.runtime.db.read() as conn:
            before = set((await conn.execute(text("SELECT event_id FROM outbox"))).scalars())
        response = await client.post(
            "/movements",
            headers={"traceparent": trace},
            json={
                "type": "receipt",
                "warehouse": "W",
                "lines": [{"sku": "A", "quantity": "1", "unit_cost": "1"}],
            },
        )
        assert response.status_code == 201
        async with client.app.state.runtime.db.read() as conn:
            rows = (await conn.execute(text("SELECT event_id, payload FROM outbox"))).all()
    # The events the traced request caused (not those of the untraced set-up before it).
    payloads = [payload for event_id, payload in rows if event_id not in before]
    assert payloads and all(trace in p for p in payloads)


async def test_access_log_is_json_with_request_id(inventory: ServiceClient, capsys) -> None:  # type: ignore[no-untyped-def]
    import json

    from erp.platform.logging import configure_logging

    configure_logging(level="INFO", fmt="json")
    await inventory.get("/items", headers={"X-Request-ID": "log-me"})
    records = [json.loads(ln) for ln in capsys.readouterr().out.splitlines() if ln.startswith("{")]
    access = [r for r in records if r.get("event") == "request"]
    assert access and access[-1]["request_id"] == "log-me"
    assert access[-1]["service"] == "inventory" and access[-1]["status"] == 200
    assert access[-1]["traceparent"].startswith("00-")
