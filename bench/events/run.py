"""Events benchmark on the redis transport (PostgreSQL outbox and inbox, private redis-server).

1. raw Redis Streams publish -> consume latency through a consumer group, at RATE msg/s;
2. commit -> consumer-effect latency at RATE events/s: one transaction per event in this
   process (the relay runs here, as in a service), the consumer in its own process;
3. maximum relay throughput: a backlog of THROUGHPUT_ROWS outbox rows drained by one relay.

`make bench-events`; prints a table and writes bench/results/events.md.
"""

from __future__ import annotations

import asyncio
import os
import platform
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import asyncpg
from redis.asyncio import Redis
from sqlalchemy import func, select

from bench.events.service import TOPIC, effects, metadata
from erp.platform.db import Database
from erp.platform.events.outbox import enqueue
from erp.platform.events.relay import Relay
from erp.platform.events.transports.redis_streams import RedisStreamsTransport

RATE = int(os.environ.get("BENCH_RATE", "500"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
WARMUP_SECONDS = 1.0  # measured but not counted: connections and caches warm up
THROUGHPUT_ROWS = int(os.environ.get("BENCH_THROUGHPUT_ROWS", "20000"))
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results" / "events.md"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def paced(rate: int, seconds: float):  # type: ignore[no-untyped-def]
    """Yield tick numbers at `rate` per second (open loop: late ticks are not skipped)."""
    start = time.perf_counter()
    for i in range(int(rate * seconds)):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        yield i


async def raw_latency(url: str) -> list[float]:
    stream, group = f"bench:raw:{uuid.uuid4().hex[:6]}", "g"
    producer, consumer = Redis.from_url(url), Redis.from_url(url)
    await consumer.xgroup_create(stream, group, id="0", mkstream=True)
    total = int(RATE * (SECONDS + WARMUP_SECONDS))
    latencies: list[float] = []

    async def consume() -> None:
        while len(latencies) < total:
            reply = await consumer.xreadgroup(group, "c", {stream: ">"}, count=100, block=1000)
            now = time.time()
            for _, entries in reply or []:
                latencies.extend(now - float(fields[b"t"]) for _, fields in entries)
                await consumer.xack(stream, group, *[i for i, _ in entries])

    task = asyncio.create_task(consume())
    async for _ in paced(RATE, SECONDS + WARMUP_SECONDS):
        await producer.xadd(stream, {"t": repr(time.time()), "event": "x" * 600})
    await asyncio.wait_for(task, 30)
    await producer.aclose()
    await consumer.aclose()
    return latencies[int(RATE * WARMUP_SECONDS) :]


async def effect_latency(publisher: Database, consumer: Database, relay: Relay) -> list[float]:
    committed: dict[str, float] = {}
    warmup = int(RATE * WARMUP_SECONDS)
    async for i in paced(RATE, SECONDS + WARMUP_SECONDS):
        async with publisher.transaction() as conn:
            event_id = await enqueue(
                conn, metadata, source="erp/bench", topic=TOPIC, subject=f"s{i % 50}", data={"i": i}
            )
        if i >= warmup:
            committed[event_id] = time.time()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        async with consumer.read() as conn:
            done = (await conn.execute(select(func.count()).select_from(effects))).scalar_one()
            if done >= len(committed) + warmup:
                break
        await asyncio.sleep(0.1)
    async with consumer.read() as conn:
        applied = dict(
            (await conn.execute(select(effects.c.event_id, effects.c.applied_at))).tuples().all()
        )
    return [applied[e] - t for e, t in committed.items() if e in applied]


async def relay_throughput(publisher: Database, transport: RedisStreamsTransport) -> float:
    for start in range(0, THROUGHPUT_ROWS, 500):
        async with publisher.transaction() as conn:
            for i in range(start, min(start + 500, THROUGHPUT_ROWS)):
                await enqueue(
                    conn,
                    metadata,
                    source="erp/bench",
                    topic=TOPIC,
                    subject=f"s{i % 50}",
                    data={"i": i},
                )
    relay = Relay(
        service="bench", db=publisher, metadata=metadata, transport=transport, batch_size=1000
    )
    started = time.perf_counter()
    published = await relay.drain()
    elapsed = time.perf_counter() - started
    await relay.stop()
    assert published == THROUGHPUT_ROWS, published
    return published / elapsed


async def main() -> None:
    redis_port = free_port()
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    server = await asyncio.create_subprocess_exec(
        *[
            "redis-server",
            "--port",
            str(redis_port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    await asyncio.sleep(0.3)
    admin = await asyncpg.connect(PG_ADMIN)
    names = [f"erp_bench_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    consumer_process = None
    try:
        for name in names:
            await admin.execute(f'CREATE DATABASE "{name}"')
        pub_url, con_url = (f"{base}/{n}" for n in names)
        publisher, consumer = Database(pub_url), Database(con_url)
        for db in (publisher, consumer):
            async with db.engine.begin() as conn:
                await conn.run_sync(metadata.create_all)
        await asyncio.sleep(0.3)
        raw = await raw_latency(redis_url)

        env = {
            **os.environ,
            "ERP_DATABASE_URL": con_url,
            "ERP_EVENT_TRANSPORT": "redis",
            "ERP_REDIS_URL": redis_url,
            "ERP_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
        consumer_process = await asyncio.create_subprocess_exec(
            *[sys.executable, "-m", "bench.events.consumer"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
        )
        assert consumer_process.stdout is not None
        while (line := await consumer_process.stdout.readline()) and line.strip() != b"ready":
            pass
        transport = RedisStreamsTransport(url=redis_url)
        await transport.start()
        relay = Relay(service="bench", db=publisher, metadata=metadata, transport=transport)
        relay.start()
        effect = await effect_latency(publisher, consumer, relay)
        await relay.stop()
        consumer_process.terminate()
        await asyncio.wait_for(consumer_process.wait(), 30)
        throughput = await relay_throughput(publisher, transport)
        await transport.close()
        for db in (publisher, consumer):
            await db.dispose()
    finally:
        if consumer_process is not None and consumer_process.returncode is None:
            consumer_process.kill()
        for name in names:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
        server.kill()
        await server.wait()

    ms = 1000.0
    rows = [
        (
            "raw Redis Streams publish -> consume",
            f"{RATE}/s",
            len(raw),
            f"{percentile(raw, 0.5) * ms:.2f}",
            f"{percentile(raw, 0.99) * ms:.2f}",
            "-",
        ),
        (
            "commit -> consumer effect (redis transport)",
            f"{RATE}/s",
            len(effect),
            f"{percentile(effect, 0.5) * ms:.2f}",
            f"{percentile(effect, 0.99) * ms:.2f}",
            "-",
        ),
        (
            "relay, backlog drain (max throughput)",
            "open",
            THROUGHPUT_ROWS,
            "-",
            "-",
            f"{throughput:,.0f}/s",
        ),
    ]
    header = ("measurement", "rate", "events", "p50 ms", "p99 ms", "throughput")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: tuple[object, ...]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    table = "\n".join(
        [line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)]
    )
    print(table)
    RESULTS.write_text(
        "# Events benchmark\n\n"
        f"`make bench-events` on {platform.node()} ({os.cpu_count()} cores, Python "
        f"{platform.python_version()}), {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"load average {os.getloadavg()[0]:.1f} at the end (the machine is shared).\n\n"
        "PostgreSQL outbox and inbox (one database each), a private redis-server without "
        "persistence, consumer in its own process, relay in the publishing process. "
        "Goal: commit -> effect p99 <= 25 ms at 500 events/s; relay >= 5,000 events/s.\n\n"
        f"{table}\n"
    )


if __name__ == "__main__":
    asyncio.run(main())
