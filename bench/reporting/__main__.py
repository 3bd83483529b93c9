"""python -m bench.reporting [--journal-lines N] [--movements N] [--queries N]

Creates a PostgreSQL database, bulk-loads the read models, then times the reports through the
service's own HTTP app (in process) as of random dates, without and with the Redis cache.
Writes bench/results/reporting.md and drops the database.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import time
import uuid
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import httpx

from bench.reporting.loader import Shape, fold, load_with_copy
from erp.platform.app import create_app
from erp.platform.auth import mint_token
from erp.platform.db.migrations import upgrade
from erp.platform.logging import configure_logging
from erp.reporting.config import ReportingSettings
from erp.reporting.main import SPEC

PG = os.environ.get("ERP_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
REDIS = os.environ.get("ERP_BENCH_REDIS", "redis://127.0.0.1:6379/0")
SECRET = "bench-secret-0123456789-0123456789-abcdef"
RESULTS = Path(__file__).resolve().parents[1] / "results" / "reporting.md"


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def time_reports(
    url: str, shape: Shape, queries: int, cached: bool
) -> dict[str, list[float]]:
    settings = ReportingSettings(
        database_url=url,
        jwt_secret=SECRET,  # type: ignore[arg-type]
        redis_url=REDIS if cached else None,
        reporting_cache_ttl_seconds=300 if cached else 0,
        reporting_cache_prefix=f"erp:bench:{uuid.uuid4().hex[:8]}:",
        log_level="WARNING",
    )
    app = create_app(SPEC, settings)
    token = mint_token(SECRET, subject="bench", roles=["admin"], ttl_seconds=3600)
    rng = random.Random(42)
    # A small pool of dates, so that repeated questions can hit the cache.
    pool = [shape.start + dt.timedelta(days=rng.randrange(shape.days)) for _ in range(20)]
    timings: dict[str, list[float]] = {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://bench",
            headers={"Authorization": f"Bearer {token}"},
        ) as client:
            for name, make in (
                ("trial balance", lambda d: ("/reports/trial-balance", {"as_of": d.isoformat()})),
                (
                    "profit and loss",
                    lambda d: (
                        "/reports/profit-and-loss",
                        {"from": d.replace(month=1, day=1).isoformat(), "to": d.isoformat()},
                    ),
                ),
                ("balance sheet", lambda d: ("/reports/balance-sheet", {"as_of": d.isoformat()})),
                (
                    "stock valuation",
                    lambda d: ("/reports/stock-valuation", {"as_of": d.isoformat()}),
                ),
            ):
                for day in pool:  # warm up: connections, plans and (when on) the cache
                    path, params = make(day)
                    assert (await client.get(path, params=params)).status_code == 200
                samples = []
                for _ in range(queries):
                    path, params = make(rng.choice(pool))
                    started = time.perf_counter()
                    response = await client.get(path, params=params)
                    elapsed = (time.perf_counter() - started) * 1000
                    assert response.status_code == 200, response.text
                    samples.append(elapsed)
                timings[name] = samples
    return timings


async def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.reporting")
    parser.add_argument("--journal-lines", type=int, default=1_000_000)
    parser.add_argument("--movements", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    configure_logging(level="WARNING", fmt="console")
    shape = Shape(journal_lines=args.journal_lines, movements=args.movements)
    name = f"erp_bench_reporting_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(f"{PG}/postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{PG.replace('postgresql://', 'postgresql+asyncpg://')}/{name}"
    try:
        await asyncio.to_thread(upgrade, SPEC.migrations, url)
        started = time.perf_counter()
        folded = await asyncio.to_thread(fold, shape)
        folded_s = time.perf_counter() - started
        counts = await load_with_copy(f"{PG}/{name}", folded)
        load_s = time.perf_counter() - started
        print(f"folded in {folded_s:.1f}s, loaded in {load_s:.1f}s: {counts}")
        plain = await time_reports(url, shape, args.queries, cached=False)
        cached = await time_reports(url, shape, args.queries, cached=True)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
    lines = [
        "# Reporting: reports as of a random date",
        "",
        f"{args.journal_lines:,} journal lines and {args.movements:,} stock movements "
        f"({shape.skus} items x {shape.warehouses} warehouses, {shape.days} days), bulk-loaded "
        f"in {load_s:.0f} s; read-model rows: "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items()))
        + ".",
        "",
        f"PostgreSQL on this machine, {args.queries} requests per report through the service's "
        "HTTP app in process (token check, query, JSON); dates drawn from a pool of 20, "
        "each asked once before the timings.",
        "",
        "| report | p50 no cache (ms) | p95 no cache (ms) | p50 cache (ms) | p95 cache (ms) |",
        "|---|---:|---:|---:|---:|",
    ]
    for report in plain:
        a, c = plain[report], cached[report]
        lines.append(
            f"| {report} | {percentile(a, 50):.1f} | {percentile(a, 95):.1f} | "
            f"{percentile(c, 50):.1f} | {percentile(c, 95):.1f} |"
        )
    lines += ["", "Command: `make bench-reporting` (or `python -m bench.reporting`).", ""]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    asyncio.run(main())
