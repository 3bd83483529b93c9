"""The inventory table of the gateway benchmark: a PostgreSQL database with one item, the real
`erp serve inventory`, nginx and `erp serve gateway` in front of it, all on the server core."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import jwt
from nginx_site import nginx_site

PG = os.environ.get("ERP_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
SKU = "BENCH-1"
Endpoint = tuple[str, int | None]  # URL, pid of the proxy in front (None: direct)


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(f"{PG}/postgres")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _erp(*args: str) -> list[str]:
    return [sys.executable, "-m", "erp", *args]


@contextmanager
def inventory_stack(
    args: argparse.Namespace,
    secret: str,
    process: Callable[..., Any],
    free_port: Callable[[], int],
    compiled: dict[str, str],
) -> Iterator[tuple[str, dict[str, Endpoint]]]:
    """The token and (URL, proxy pid) of GET /items/{sku}: direct, through nginx (default CPU
    policy and SCHED_BATCH), through the gateway compiled (`compiled`: its environment; default
    ERP_SCHED_POLICY=batch, and normal) and pure Python."""
    name = f"erp_bench_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    now = int(time.time())
    token = jwt.encode({"sub": "bench", "roles": ["admin"], "iat": now, "exp": now + 3600,
                        "iss": "erp", "typ": "access"}, secret)  # fmt: skip
    iport, nport, nbport, gport, gnport, gpport = (free_port() for _ in range(6))
    try:
        with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
            env = {**os.environ, "ERP_JWT_SECRET": secret, "ERP_LOG_LEVEL": "WARNING",
                   "ERP_DATA_DIR": tmp, "ERP_SHUTDOWN_DELAY_SECONDS": "0"}  # fmt: skip
            inv_env = {**env, "ERP_DATABASE_URL": f"{PG}/{name}", "ERP_PORT": str(iport),
                       "ERP_HOST": "127.0.0.1"}  # fmt: skip
            subprocess.run(_erp("migrate", "inventory"), env=inv_env, check=True,
                           capture_output=True)  # fmt: skip
            gw_env = {**env, "ERP_HOST": "127.0.0.1",
                      "ERP_INVENTORY_URL": f"http://127.0.0.1:{iport}",
                      "ERP_REDIS_URL": args.redis_url, "ERP_ADMIN_PASSWORD": "bench-admin-pw",
                      "ERP_RATE_LIMIT_USER_PER_SECOND": "1000000000",
                      "ERP_RATE_LIMIT_IP_PER_SECOND": "1000000000"}  # fmt: skip
            subprocess.run(_erp("migrate", "gateway"), env=gw_env, check=True,
                           capture_output=True)  # fmt: skip
            cpu = args.server_cpu
            stack.enter_context(process(_erp("serve", "inventory"), cpu, iport, env=inv_env))
            _seed(iport, token)
            path = f"/items/{SKU}"
            ends: dict[str, Endpoint] = {"direct": (f"http://127.0.0.1:{iport}{path}", None)}
            for row, port, batch in (("nginx", nport, False), ("nginx-batch", nbport, True)):
                cmd = nginx_site(tmp, row, iport, port, batch=batch)
                proc = stack.enter_context(process(cmd, cpu, port))
                ends[row] = (f"http://127.0.0.1:{port}/api/inventory{path}", proc.pid)
            build = {"PYTHONPATH": compiled["PYTHONPATH"]}
            for row, port, sched, extra in (
                ("gateway", gport, "batch", build),
                ("gateway-normal", gnport, "normal", build),
                ("gateway-pure", gpport, "batch", {}),
            ):
                env = {**gw_env, **extra, "ERP_PORT": str(port), "ERP_SCHED_POLICY": sched}
                proc = stack.enter_context(process(_erp("serve", "gateway"), cpu, port, env=env))
                ends[row] = (f"http://127.0.0.1:{port}/api/inventory{path}", proc.pid)
            yield token, ends
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _seed(port: int, token: str) -> None:
    body = json.dumps({"sku": SKU, "name": "Bench item", "uom": "ea", "reorder_point": "0"})
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/items", data=body.encode(), method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 201
