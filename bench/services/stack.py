"""What the rows run against: fresh PostgreSQL databases (one per service, migrated by
`erp migrate`), the machine's Redis under a prefix of the run's own, real `erp serve`
processes, and the data they need (warehouse, 64 items in stock, draft invoices)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]

from bench.services.anchors import ITEMS, sku
from bench.services.load import Connection, client_headers
from bench.services.procs import ROOT, Server, erp_command

PG = os.environ.get("ERP_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
REDIS = os.environ.get("ERP_BENCH_REDIS", "redis://127.0.0.1:6379/0")
SECRET = "bench-signing-key-0123456789-0123456789-abcdef"
SERVICES = ("gateway", "inventory", "finance", "reporting")


def pg_run(dsn: str, sql: str, *args: Any) -> list[Any]:
    """One statement (or a script, without arguments) on a short-lived connection."""

    async def go() -> list[Any]:
        conn = await asyncpg.connect(dsn)
        try:
            if args or sql.lstrip().upper().startswith(("SELECT", "WITH")):
                return list(await conn.fetch(sql, *args))
            await conn.execute(sql)
            return []
        finally:
            await conn.close()

    return asyncio.run(go())


class Stack:
    def __init__(self, *, server_cpu: str | None, baseline: str | None = None) -> None:
        self.tag = uuid.uuid4().hex[:8]
        self.tmp = Path(tempfile.mkdtemp(prefix=f"erp-bench-{self.tag}-"))
        self.server_cpu = server_cpu
        # A checkout keeps the package under src/: that is what goes on PYTHONPATH.
        if baseline and (Path(baseline) / "src" / "erp").is_dir():
            baseline = str(Path(baseline) / "src")
        self.baseline = baseline
        self.databases = {s: f"erp_bench_{self.tag}_{s}" for s in SERVICES}
        self.created: list[str] = []
        self.prefixes: list[str] = []
        self.servers: list[Server] = []
        from erp.platform.auth import mint_token

        self.token = mint_token(SECRET, subject="bench", roles=["admin"], ttl_seconds=6 * 3600)
        self.seeded: set[str] = set()

    # --- databases and environments ----------------------------------------------------------

    def dsn(self, service: str) -> str:
        return f"{PG}/{self.databases[service]}"

    def create_databases(self, services: Sequence[str]) -> None:
        """Create and migrate (in parallel: `erp migrate` is mostly start-up)."""
        for s in services:
            pg_run(f"{PG}/postgres", f'CREATE DATABASE "{self.databases[s]}"')
            self.created.append(self.databases[s])
        procs = [
            subprocess.Popen(
                erp_command("migrate", s),
                env={**os.environ, **self.env(s, "erp:bench:migrate:")},
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            for s in services
        ]
        for s, p in zip(services, procs, strict=True):
            out, _ = p.communicate(timeout=300)
            if p.returncode != 0:
                raise RuntimeError(f"erp migrate {s}: {out.decode(errors='replace')[-2000:]}")

    def new_prefix(self) -> str:
        prefix = f"erp:bench:{self.tag}:{len(self.prefixes)}:"
        self.prefixes.append(prefix)
        return prefix

    def env(self, service: str, prefix: str, *, sqlite: bool = False) -> dict[str, str]:
        env = {
            "ERP_JWT_SECRET": SECRET,
            "ERP_DATA_DIR": str(self.tmp / "data"),
            "ERP_SHUTDOWN_DELAY_SECONDS": "0",
            "ERP_DRAIN_TIMEOUT_SECONDS": "5",
            "ERP_ADMIN_PASSWORD": "bench-admin-password",
            "ERP_REDIS_URL": REDIS,
            "ERP_REPORTING_CACHE_PREFIX": prefix + "cache:",
            "ERP_EVENT_STREAM_PREFIX": prefix,
        }
        if sqlite:
            env["ERP_DATABASE_URL"] = ""
            env["ERP_EVENT_TRANSPORT"] = "inprocess"
        else:
            env["ERP_DATABASE_URL"] = self.dsn(service)
            env["ERP_EVENT_TRANSPORT"] = "redis"
        return env

    def serve(self, service: str, env: dict[str, str], *, before: bool = False) -> Server:
        """Start `erp serve SERVICE` on the server core; `before`: the baseline tree's code."""
        if before:
            assert self.baseline
            env = {**env, "PYTHONPATH": self.baseline}
        server = Server(service, env, self.tmp, cpu=self.server_cpu)
        self.servers.append(server)
        return server

    def stop(self, *servers: Server) -> None:
        for s in servers:
            s.stop()
            if s in self.servers:
                self.servers.remove(s)

    def close(self) -> None:
        self.stop(*list(self.servers))
        for name in self.created:
            pg_run(f"{PG}/postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if self.prefixes:
            from redis import Redis

            client = Redis.from_url(REDIS)
            for prefix in self.prefixes:
                for key in client.scan_iter(match=prefix + "*", count=1000):
                    client.delete(key)
            client.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # --- data --------------------------------------------------------------------------------

    def call(self, url: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        async def go() -> tuple[int, bytes]:
            host, port = url.split("//", 1)[1].split(":")
            conn = Connection(host, int(port), client_headers(self.token))
            try:
                data = json.dumps(body).encode() if body is not None else None
                return await conn.request(method, path, data)
            finally:
                conn.close()

        status, raw = asyncio.run(go())
        return status, (json.loads(raw) if raw else None)

    def must(self, url: str, method: str, path: str, body: Any = None) -> Any:
        status, answer = self.call(url, method, path, body)
        if status >= 300:
            raise RuntimeError(f"{method} {path}: {status} {answer}")
        return answer

    def seed_inventory(self, url: str, key: str) -> None:
        """Warehouse MAIN, items B-0..B-63, a billion of each on hand (once per database)."""
        if key in self.seeded:
            return
        self.must(url, "POST", "/warehouses", {"code": "MAIN", "name": "Main"})
        for i in range(ITEMS):
            self.must(url, "POST", "/items", {"sku": sku(i), "name": f"Item {i}", "uom": "ea"})
        lines = [
            {"sku": sku(i), "quantity": "1000000000", "unit_cost": "2.5"} for i in range(ITEMS)
        ]
        self.must(
            url, "POST", "/movements", {"type": "receipt", "warehouse": "MAIN", "lines": lines}
        )
        self.seeded.add(key)

    def drafts(self, finance_url: str, count: int) -> list[int]:
        """`count` draft invoices of one unit of a SKU each (SKUs in turn): one made through
        the API, the others copied from it in the database (fast, and whatever columns the
        invoice tables have)."""
        if f"customer:{finance_url}" not in self.seeded:
            self.must(finance_url, "POST", "/customers", {"code": "ACME", "name": "ACME Ltd"})
            self.seeded.add(f"customer:{finance_url}")
        template = self.must(
            finance_url,
            "POST",
            "/invoices",
            {"customer": "ACME", "lines": [{"sku": sku(0), "warehouse": "MAIN", "quantity": "1",
                                            "unit_price": "10", "tax_rate": "10"}]},
        )["id"]  # fmt: skip
        dsn = self.dsn("finance")
        header = ", ".join(f'"{c}"' for c in _columns(dsn, "invoices") if c != "id")
        line = [c for c in _columns(dsn, "invoice_lines") if c not in ("id", "invoice_id")]
        quoted = ", ".join(f'"{c}"' for c in line)
        picked = ", ".join(
            f"'B-' || (new.id % {ITEMS})" if c == "sku" else f'invoice_lines."{c}"' for c in line
        )
        rows = pg_run(
            dsn,
            f"WITH new AS (INSERT INTO invoices ({header}) SELECT {header} FROM invoices, "
            "generate_series(1, $2) WHERE id = $1 RETURNING id) "
            f"INSERT INTO invoice_lines (invoice_id, {quoted}) "
            f"SELECT new.id, {picked} FROM new, invoice_lines "
            "WHERE invoice_lines.invoice_id = $1 RETURNING invoice_id",
            template,
            count - 1,
        )
        return sorted([template, *(r["invoice_id"] for r in rows)])


def _columns(dsn: str, table: str) -> list[str]:
    rows = pg_run(
        dsn,
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
        "AND table_name = $1 ORDER BY ordinal_position",
        table,
    )
    return [r["column_name"] for r in rows]
