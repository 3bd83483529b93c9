"""The whole chain: issue an invoice at finance, inventory issues the goods, finance posts the
revenue and the cost of goods sold, reporting applies it all to its read models.

Clients issue drafts one after another (an issue answered 202 `pending` is followed by polling
GET /invoices/{id} until `issued`). A watcher reads the events reporting has applied
(`received_events`, in the transaction that applied them) and marks an invoice done when its
issue, its revenue entry, its stock issue and its cost-of-goods entry have all arrived.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg  # type: ignore[import-untyped]

from bench.services.load import Connection, client_headers

# How often a client asks whether its invoice is issued yet: often enough to see the state
# change within a few percent of its latency, seldom enough not to load finance.
POLL_SECONDS = 0.05
NEEDED = frozenset({"issued", "revenue", "stock", "cogs"})
_REF = "invoice:"


def _invoice_of(reference: Any) -> int | None:
    if isinstance(reference, str) and reference.startswith(_REF):
        tail = reference[len(_REF) :]
        return int(tail) if tail.isdigit() else None
    return None


def marks(topic: str, data: dict[str, Any]) -> list[tuple[int, str]]:
    """What one event reporting applied says about which invoice."""
    if topic == "finance.invoice-issued":
        return [(int(data["invoice_id"]), "issued")]
    if topic == "inventory.stock-moved":
        invoice = _invoice_of(data.get("reference"))
        return [(invoice, "stock")] if invoice is not None else []
    if topic == "finance.journal-posted":
        if data.get("source") == "invoice":
            invoice = _invoice_of(data.get("source_ref"))
            return [(invoice, "revenue")] if invoice is not None else []
        if data.get("source") == "stock":
            found = {ln.get("invoice_id") for ln in data.get("lines", [])}
            return [(int(i), "cogs") for i in found if i is not None]
    return []


@dataclass
class ChainResult:
    issued: int = 0
    done: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # issue call → read models
    finance_latencies: list[float] = field(default_factory=list)  # issue call → `issued`
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)  # issue answers by HTTP status
    missing: dict[str, int] = field(default_factory=dict)  # what never arrived, by mark
    done_ids: list[int] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _watch(
    dsn: str,
    started: dict[int, float],
    result: ChainResult,
    stop: asyncio.Event,
    finished: dict[int, float],
) -> None:
    conn = await asyncpg.connect(dsn)
    seen: dict[int, set[str]] = {}
    last = 0
    try:
        while True:
            rows = await conn.fetch(
                "SELECT id, topic, payload FROM received_events WHERE id > $1 ORDER BY id "
                "LIMIT 5000",
                last,
            )
            now = time.perf_counter()
            for row in rows:
                last = row["id"]
                for invoice, mark in marks(row["topic"], json.loads(row["payload"])):
                    got = seen.setdefault(invoice, set())
                    got.add(mark)
                    if got >= NEEDED and invoice in started and invoice not in finished:
                        finished[invoice] = now
                        result.latencies.append(now - started[invoice])
            if stop.is_set() and all(i in finished for i in started):
                break
            if not rows:
                await asyncio.sleep(0.005)
    finally:
        for invoice in started:
            if invoice not in finished:
                for mark in NEEDED - seen.get(invoice, set()):
                    result.missing[mark] = result.missing.get(mark, 0) + 1
        await conn.close()


async def _client(
    finance: str,
    token: str,
    drafts: Iterator[int],
    deadline: float,
    started: dict[int, float],
    result: ChainResult,
) -> None:
    host, port = finance.split("//", 1)[1].split(":")
    conn = Connection(host, int(port), client_headers(token))
    try:
        while time.perf_counter() < deadline:
            invoice = next(drafts, None)
            if invoice is None:
                return
            started[invoice] = t0 = time.perf_counter()
            key = f"Idempotency-Key: {uuid.uuid4().hex}\r\n"
            status, body = await conn.request("POST", f"/invoices/{invoice}/issue", b"{}", key)
            result.statuses[status] = result.statuses.get(status, 0) + 1
            if status not in (200, 202):
                result.errors += 1
                del started[invoice]
                continue
            state = json.loads(body).get("status")
            while state not in ("issued", "partially_paid", "paid"):
                if state in ("on_hold", "void") or time.perf_counter() - t0 > 60:
                    result.errors += 1
                    break
                await asyncio.sleep(POLL_SECONDS)
                status, body = await conn.request("GET", f"/invoices/{invoice}")
                state = json.loads(body).get("status") if status == 200 else None
            else:
                result.finance_latencies.append(time.perf_counter() - t0)
            result.issued += 1
    finally:
        conn.close()


async def run_chain(
    finance: str,
    reporting_dsn: str,
    token: str,
    drafts: list[int],
    *,
    clients: int,
    seconds: float,
    settle_seconds: float = 60.0,
) -> ChainResult:
    """Issue drafts for `seconds` at `clients` concurrency; wait (up to `settle_seconds`) for
    reporting to have applied every chain that was started."""
    result = ChainResult()
    started: dict[int, float] = {}
    finished: dict[int, float] = {}
    stop = asyncio.Event()
    watcher = asyncio.create_task(_watch(reporting_dsn, started, result, stop, finished))
    begin = time.perf_counter()
    pool = iter(drafts)
    await asyncio.gather(
        *(_client(finance, token, pool, begin + seconds, started, result) for _ in range(clients))
    )
    stop.set()
    try:
        await asyncio.wait_for(asyncio.shield(watcher), settle_seconds)
    except TimeoutError:
        watcher.cancel()
        await asyncio.gather(watcher, return_exceptions=True)
    result.done = len(finished)
    result.done_ids = list(finished)
    end = max(finished.values(), default=begin)
    result.seconds = end - begin
    return result
