"""bench/results/services.md: the tables of a run. Everything from the notes marker on is
written by hand and kept across runs."""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bench.services.chain import percentile

if TYPE_CHECKING:
    from bench.services.run import Outcome, Round, Row

MARKER = "<!-- notes: written by hand, kept when the tables are written again -->"
GOAL_READY_S, GOAL_RSS_MB = 1.0, 80.0


def _num(value: float | None, fmt: str = ",.0f") -> str:
    return "-" if value is None else format(value, fmt)


def _spread(r: Row, value: Callable[[Round], float | None], fmt: str) -> str:
    """The median of the rounds, and their range when there were several."""
    mid, span = r.median(value), r.spread(value)
    if mid is None or span is None:
        return "-"
    if len(r.rounds) < 2:
        return format(mid, fmt)
    return f"{mid:{fmt}} ({span[0]:{fmt}} to {span[1]:{fmt}})"


def _row(r: Row) -> str:
    profile = r.profile.summary() if r.profile else "-"
    pg = f"{_num(r.median(lambda x: x.pg_us))} / {_num(r.median(lambda x: x.anchor_pg_us))}"
    latency = (
        f"{_num(r.median(lambda x: x.result.p50_ms), '.1f')} / "
        f"{_num(r.median(lambda x: x.result.p99_ms), '.1f')}"
    )
    errors = sum(x.result.errors for x in r.rounds)
    return (
        f"| {r.name} | {_spread(r, lambda x: x.result.rps, ',.0f')} | {r.anchor or '-'} | "
        f"{_spread(r, lambda x: x.anchor_tps.tps if x.anchor_tps else None, ',.0f')} | "
        f"**{_spread(r, lambda x: x.ratio, '.3f')}** | "
        f"{_spread(r, lambda x: x.server_us, ',.0f')} | {pg} | "
        f"{_num(r.median(lambda x: x.redis_us))} | {latency} | {errors} | "
        f"{_num(max((x.rss_mb for x in r.rounds), default=None))} | {profile} |"
    )


_HEAD = (
    "| row | our req/s | anchor | anchor tps | ratio | server CPU µs/req | PostgreSQL CPU µs/req "
    "(ours / anchor) | Redis CPU µs/req | p50 / p99 ms | errors | server RSS MB under load | "
    "where the server's time goes (py-spy, self) |"
    "\n|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
)


def tables(args: argparse.Namespace, out: Outcome, *, elapsed: float, wrk: bool) -> list[str]:
    load = "wrk -t1" if wrk else "the harness's asyncio client"
    lines = [
        "# Services benchmark",
        "",
        f"`make bench-services` on {platform.node()} ({os.cpu_count()} cores, "
        f"{platform.python_implementation()} {platform.python_version()}), "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {elapsed:.0f} s"
        f"{' (quick mode)' if args.quick else ''}. Command: "
        f"`{' '.join(['python -m bench.services', *(args.argv or [])])}`; pgbench: "
        f"`pgbench -n -M prepared -c {args.clients} -j 1 --max-tries 10 "
        f"-T {max(1, round(args.seconds))} "
        "-f SCRIPT` (the scripts are in bench/services/anchors.py).",
        "",
        f"Each `erp serve` process is pinned to CPU {args.server_cpu}; the load ({load}, "
        f"{args.clients} connections), pgbench (`-M prepared -c {args.clients} -j 1`) and the "
        f"harness to CPU {args.load_cpu}; PostgreSQL and Redis are the machine's own, not "
        f"pinned. A row runs {args.warmup:g} s of warm-up, then {args.rounds} round(s) of "
        f"{args.seconds:g} s measured followed by its anchor for as long; figures are the median "
        "of the rounds with their range in brackets (the spread), and each round's ratio is "
        "ours over the anchor run right after it. Services run as deployed: PostgreSQL, "
        "Idempotency-Key on every write, metrics and access logs on, the outbox written and "
        "the relay publishing to Redis Streams; a write row ends when the relay has published "
        "the run's events, so *server CPU* (user + system of the process, from /proc) "
        "includes the relay. *PostgreSQL CPU* is every postgres process of the machine over "
        "the same window. The "
        f"profile is a separate {args.profile_seconds:g} s run of the same load under py-spy. "
        "Ratios are within this run; no figure here is a test's threshold.",
    ]
    groups = [
        ("inventory", "## Inventory (PostgreSQL)"),
        ("finance", "## Finance (PostgreSQL)"),
        ("sqlite", "## Embedded default (SQLite, in-process events; no goal)"),
    ]
    for group, title in groups:
        rows = [r for r in out.rows if r.group == group]
        if rows:
            lines += ["", title, "", _HEAD, *map(_row, rows)]
            if group == "sqlite":
                cpu = [
                    f"{r.anchor}: {r.median(lambda x: x.anchor_cpu_us):,.0f} µs"
                    for r in rows
                    if r.median(lambda x: x.anchor_cpu_us)
                ]
                lines += ["", "sqlite3 anchors' own CPU per transaction: " + "; ".join(cpu) + "."]
    if out.chain:
        c, res = out.chain, out.chain.result
        answers = ", ".join(f"{k}: {v}" for k, v in sorted(res.statuses.items()))
        missing = ", ".join(f"{k} {v}" for k, v in res.missing.items()) or "none"
        lines += [
            "",
            "## The whole chain (baseline; no anchor)",
            "",
            "Invoice issue at finance → inventory issues the goods → finance posts revenue and "
            "cost of goods sold → reporting applies the events. The three services on the server "
            "core, Redis Streams between them. Latency: from the issue call to the moment "
            "reporting has applied the issue, the revenue entry, the stock movement and the "
            "cost-of-goods entry of that invoice.",
            "",
            "| clients | invoices | invoices/s | p50 ms | p99 ms | issue → `issued` p99 ms | "
            "CPU µs/invoice (inventory / finance / reporting) | PostgreSQL µs/invoice | "
            "Redis µs/invoice | errors | issue answers | never arrived |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
            f"| {c.clients} | {res.done} | {res.rate:,.1f} | "
            f"{percentile(res.latencies, 0.5) * 1000:,.0f} | "
            f"{percentile(res.latencies, 0.99) * 1000:,.0f} | "
            f"{percentile(res.finance_latencies, 0.99) * 1000:,.0f} | "
            f"{c.cpu_us['inventory']:,.0f} / {c.cpu_us['finance']:,.0f} / "
            f"{c.cpu_us['reporting']:,.0f} | {c.pg_us:,.0f} | {c.redis_us:,.0f} | "
            f"{res.errors} | {answers} | {missing} |",
        ]
    if out.startups:
        lines += [
            "",
            "## Start-up and idle memory (PostgreSQL)",
            "",
            f"`erp serve SERVICE` pinned to one core: launch → first /readyz 200, and RSS "
            f"{args.idle_seconds:g} s later; {args.startup_runs} launch(es) each. Goal: ≤ "
            f"{GOAL_READY_S:g} s and ≤ {GOAL_RSS_MB:g} MB.",
            "",
            "| service | ready s (min / median / max) | idle RSS MB (min / max) |",
            "|---|---:|---:|",
        ]
        for s in out.startups:
            name = s.service + (f" ({s.label})" if s.label else "")
            lines.append(
                f"| {name} | {min(s.ready):.2f} / {statistics.median(s.ready):.2f} / "
                f"{max(s.ready):.2f} | {min(s.rss):.0f} / {max(s.rss):.0f} |"
            )
    if args.baseline:
        lines += [
            "",
            f"Rows marked *(before)* ran the `erp` package of `{args.baseline}` beside the "
            "current tree's *(after)*, in the same rounds against the same anchor run.",
        ]
    profiled = [r for r in out.rows if r.profile]
    if profiled or (out.chain and out.chain.profiles):
        lines += ["", "## Profiles (py-spy, the server process)", ""]
        for r in profiled:
            assert r.profile is not None
            lines.append(f"- **{r.name}** ({r.group}): " + " ".join(r.profile.details()))
        if out.chain:
            for name, prof in out.chain.profiles.items():
                lines.append(f"- **chain, {name}**: " + " ".join(prof.details()))
    if out.notes:
        lines += ["", *[f"- {n}" for n in out.notes]]
    return lines


def write_report(
    path: Path, args: argparse.Namespace, out: Outcome, *, elapsed: float, wrk: bool
) -> None:
    text = "\n".join(tables(args, out, elapsed=elapsed, wrk=wrk)) + "\n"
    print()
    print(text)
    kept = ""
    if path.exists():
        old = path.read_text()
        if MARKER in old:
            kept = old[old.index(MARKER) :]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + ("\n" + kept if kept else ""))
