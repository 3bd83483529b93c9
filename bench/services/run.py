"""Services benchmark: each row is a real `erp serve` process under load, against an anchor
doing the same transaction in the same run (pgbench on PostgreSQL, sqlite3 on the embedded
default); the whole invoice chain; start-up time and idle memory of each service.

`make bench-services` (or `python -m bench.services [--quick] [--only GROUP ...]`) writes
bench/results/services.md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.services import anchors, profile
from bench.services.anchors import ITEMS, Tps, sku
from bench.services.chain import ChainResult, percentile, run_chain
from bench.services.load import Pattern, Result, have_wrk, run_python, run_wrk
from bench.services.procs import ROOT, Machine, Server, erp_command, rss_mb
from bench.services.report import write_report
from bench.services.stack import SERVICES, Stack, pg_run

GROUPS = ("inventory", "chain", "finance", "sqlite", "startup")


@dataclass
class Round:
    """One measured run of a row and its anchor's run right after it."""

    result: Result
    server_us: float
    pg_us: float
    redis_us: float
    rss_mb: float = 0.0  # the server's resident memory right after the run
    anchor_tps: Tps | None = None
    anchor_pg_us: float | None = None
    anchor_cpu_us: float | None = None  # the anchor's own client CPU (sqlite3 rows)

    @property
    def ratio(self) -> float | None:
        tps = self.anchor_tps.tps if self.anchor_tps else 0.0
        return self.result.rps / tps if tps else None


@dataclass
class Row:
    group: str
    name: str
    rounds: list[Round] = field(default_factory=list)
    anchor: str | None = None
    profile: profile.Profile | None = None

    def median(self, value: Callable[[Round], float | None]) -> float | None:
        found = [v for v in map(value, self.rounds) if v is not None]
        return statistics.median(found) if found else None

    def spread(self, value: Callable[[Round], float | None]) -> tuple[float, float] | None:
        found = [v for v in map(value, self.rounds) if v is not None]
        return (min(found), max(found)) if found else None


@dataclass
class Startup:
    service: str
    label: str
    ready: list[float] = field(default_factory=list)
    rss: list[float] = field(default_factory=list)


@dataclass
class Chain:
    result: ChainResult
    cpu_us: dict[str, float]
    pg_us: float
    redis_us: float
    clients: int
    profiles: dict[str, profile.Profile] = field(default_factory=dict)


@dataclass
class Outcome:
    rows: list[Row] = field(default_factory=list)
    chain: Chain | None = None
    startups: list[Startup] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class Runner:
    def __init__(self, args: argparse.Namespace, stack: Stack) -> None:
        self.args = args
        self.stack = stack
        self.machine = Machine()
        self.out = Outcome()
        self.use_wrk = args.load == "wrk" or (args.load == "auto" and have_wrk())

    # --- measuring ---------------------------------------------------------------------------

    def load(self, url: str, p: Pattern, seconds: float) -> Result:
        common = {"seconds": seconds, "connections": self.args.clients}
        if self.use_wrk:
            return run_wrk(url, p, self.stack.token, cpu=self.args.load_cpu, **common)
        return run_python(url, p, self.stack.token, **common)

    def measure(self, server: Server, p: Pattern, settle: Callable[[], None] | None) -> Round:
        """One measured run; a write run ends when the relay has caught up (`settle`)."""
        if settle:
            settle()
        cpu0, (pg0, rd0) = server.cpu(), self.machine.sample()
        result = self.load(server.url, p, self.args.seconds)
        if settle:
            settle()
        cpu1, (pg1, rd1) = server.cpu(), self.machine.sample()
        n = max(result.requests, 1)
        return Round(
            result,
            server_us=(cpu1 - cpu0) / n * 1e6,
            pg_us=(pg1 - pg0) / n * 1e6,
            redis_us=(rd1 - rd0) / n * 1e6,
            rss_mb=rss_mb(server.pid),
        )

    def run_anchor(self, go: Callable[[], Tps], rounds: list[Round]) -> Tps:
        pg0, _ = self.machine.sample()
        cpu0 = time.process_time()
        tps = go()
        pg1, _ = self.machine.sample()
        cpu1 = time.process_time()
        n = max(tps.transactions, 1)
        if tps.failed:
            self.out.notes.append(f"an anchor run had {tps.failed} failed transactions")
        for r in rounds:
            r.anchor_tps = tps
            r.anchor_pg_us = (pg1 - pg0) / n * 1e6
            r.anchor_cpu_us = (cpu1 - cpu0) / n * 1e6
        return tps

    def http_row(
        self,
        group: str,
        name: str,
        servers: list[tuple[str, Server]],
        p: Pattern,
        *,
        settle: Callable[[], None] | None = None,
        anchor: tuple[str, Callable[[], Tps]] | None = None,
    ) -> None:
        """Warm each server up, then `--rounds` times: measure `p` on each server, then the
        anchor; then a profile run of the last server."""
        if self.args.rows and not any(want in name for want in self.args.rows):
            return
        title = anchor[0] if anchor else None
        rows = [Row(group, name + (f" ({lb})" if lb else ""), anchor=title) for lb, _ in servers]
        if self.args.warmup:
            for _, server in servers:
                self.load(server.url, p, self.args.warmup)
        for n in range(self.args.rounds):
            measured = [self.measure(server, p, settle) for _, server in servers]
            for row, r in zip(rows, measured, strict=True):
                row.rounds.append(r)
                print(
                    f"  [{n + 1}] {row.name}: {r.result.rps:,.0f} req/s, "
                    f"{r.server_us:,.0f} µs CPU/req, p99 {r.result.p99_ms:.1f} ms, "
                    f"errors {r.result.errors}",
                    flush=True,
                )
            if anchor is not None:
                tps = self.run_anchor(anchor[1], measured)
                ratios = ", ".join(f"{r.ratio:.3f}" for r in measured if r.ratio is not None)
                print(f"  [{n + 1}] anchor {anchor[0]}: {tps.tps:,.0f} tps; ratio {ratios}")
        if self.args.profile_seconds > 0:
            server = servers[-1][1]
            out = self.stack.tmp / f"profile-{len(self.out.rows)}.txt"
            proc = profile.start(server.pid, self.args.profile_seconds, out)
            self.load(server.url, p, self.args.profile_seconds)
            if settle:
                settle()
            rows[-1].profile = profile.finish(proc, out)
        self.out.rows += rows

    def pgbench(self, service: str, script: str) -> Callable[[], Tps]:
        def go() -> Tps:
            return anchors.run_pgbench(
                self.stack.dsn(service),
                script,
                seconds=self.args.seconds,
                clients=self.args.clients,
                cpu=self.args.load_cpu,
            )

        return go

    def drained(self, service: str) -> Callable[[], None]:
        """Wait until the service's relay has published every outbox row (its CPU counts)."""
        dsn = self.stack.dsn(service)

        def wait() -> None:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                left = pg_run(dsn, "SELECT count(*) AS n FROM outbox WHERE published_at IS NULL")
                if left[0]["n"] == 0:
                    return
                time.sleep(0.05)

        return wait

    # --- groups ------------------------------------------------------------------------------

    def servers(self, service: str, env: dict[str, str]) -> list[tuple[str, Server]]:
        """The service as it is now and, with --baseline, as the baseline tree has it."""
        pair = [("", self.stack.serve(service, env))]
        if self.args.baseline:
            pair = [("before", self.stack.serve(service, env, before=True)), ("after", pair[0][1])]
        for _, s in pair:
            s.wait_ready()
        return pair

    def inventory(self) -> None:
        print("inventory (PostgreSQL, Redis Streams relay)", flush=True)
        env = self.stack.env("inventory", self.stack.new_prefix())
        servers = self.servers("inventory", env)
        self.stack.seed_inventory(servers[0][1].url, "inventory")
        pg_run(self.stack.dsn("inventory"), anchors.INVENTORY_DDL)
        skus = [sku(i) for i in range(ITEMS)]
        settle = self.drained("inventory")
        for kind, lines in self.movement_kinds():
            line = '{"sku":"{sku}","quantity":"1"' + (
                ',"unit_cost":"2.5"}' if kind == "receipt" else "}"
            )
            p = Pattern(
                "POST",
                "/movements",
                skus=skus,
                lines=lines,
                line=line,
                body=f'{{"type":"{kind}","warehouse":"MAIN","lines":[{{lines}}]}}',
            )
            self.http_row(
                "inventory",
                f"POST /movements {kind}, {lines} line{'s' if lines > 1 else ''}",
                servers,
                p,
                settle=settle,
                anchor=(
                    f"pgbench: textbook {kind}",
                    self.pgbench("inventory", anchors.movement_script(kind, lines)),
                ),
            )
        reads = [("GET /items/{sku}", "/items/{sku}", anchors.ITEM_READ)]
        if not self.args.quick:
            reads.append(("GET /stock?sku=", "/stock?sku={sku}", anchors.STOCK_READ))
        for name, path, script in reads:
            p = Pattern("GET", path, skus=skus, keyed=False)
            self.http_row(
                "inventory",
                name,
                servers,
                p,
                anchor=("pgbench: same SELECT", self.pgbench("inventory", script)),
            )
        self.stack.stop(*(s for _, s in servers))

    def movement_kinds(self) -> list[tuple[str, int]]:
        if self.args.quick:
            return [("issue", 1)]
        return [("issue", 1), ("receipt", 1), ("issue", 10), ("receipt", 10)]

    def chain_and_finance(self) -> None:
        prefix = self.stack.new_prefix()
        inv_env = self.stack.env("inventory", prefix)
        inventory = self.stack.serve("inventory", inv_env)
        inventory.wait_ready()
        self.stack.seed_inventory(inventory.url, "inventory")
        fin_env = {**self.stack.env("finance", prefix), "ERP_INVENTORY_URL": inventory.url}
        finance = self.stack.serve("finance", fin_env)
        reporting = self.stack.serve("reporting", self.stack.env("reporting", prefix))
        finance.wait_ready()
        reporting.wait_ready()
        issued: list[int] = []
        if "chain" in self.args.only:
            issued = self.chain(inventory, finance, reporting)
        # Reporting would spend the server core on finance's events during finance's rows;
        # inventory stays: finance asks it about every invoice line.
        self.stack.stop(reporting)
        if "finance" in self.args.only:
            self.finance(finance, issued)
        self.stack.stop(finance, inventory)

    def chain(self, inventory: Server, finance: Server, reporting: Server) -> list[int]:
        print("chain: invoice issue -> stock issue -> entries -> read models", flush=True)
        seconds = self.args.chain_seconds
        drafts = self.stack.drafts(finance.url, max(200, int(seconds * 150)))
        procs = {"inventory": inventory, "finance": finance, "reporting": reporting}
        cpu0 = {k: s.cpu() for k, s in procs.items()}
        pg0, rd0 = self.machine.sample()
        result = asyncio.run(
            run_chain(
                finance.url,
                self.stack.dsn("reporting"),
                self.stack.token,
                drafts,
                clients=self.args.clients,
                seconds=seconds,
            )
        )
        pg1, rd1 = self.machine.sample()
        n = max(result.done, 1)
        cpu = {k: (s.cpu() - cpu0[k]) / n * 1e6 for k, s in procs.items()}
        chain = Chain(result, cpu, (pg1 - pg0) / n * 1e6, (rd1 - rd0) / n * 1e6, self.args.clients)
        print(
            f"  {result.done} invoices, {result.rate:,.1f}/s, p99 "
            f"{percentile(result.latencies, 0.99) * 1000:.0f} ms",
            flush=True,
        )
        if self.args.profile_seconds > 0:
            outs = {k: self.stack.tmp / f"chain-{k}.txt" for k in procs}
            seconds = max(self.args.profile_seconds, 2)
            spies = {k: profile.start(s.pid, seconds + 1, outs[k]) for k, s in procs.items()}
            more = self.stack.drafts(finance.url, max(100, int(seconds * 150)))
            asyncio.run(
                run_chain(
                    finance.url,
                    self.stack.dsn("reporting"),
                    self.stack.token,
                    more,
                    clients=self.args.clients,
                    seconds=seconds,
                )
            )
            chain.profiles = {k: profile.finish(spies[k], outs[k]) for k in procs}
        self.out.chain = chain
        return sorted(result.done_ids) or self.issued_invoices()

    def issued_invoices(self) -> list[int]:
        rows = pg_run(
            self.stack.dsn("finance"),
            "SELECT id FROM invoices WHERE status IN ('issued', 'partially_paid') ORDER BY id "
            f"LIMIT {ITEMS}",
        )
        return [r["id"] for r in rows]

    def finance(self, finance: Server, issued: list[int]) -> None:
        print("finance (PostgreSQL, Redis Streams relay)", flush=True)
        pg_run(self.stack.dsn("finance"), anchors.FINANCE_DDL)
        settle = self.drained("finance")
        servers = [("", finance)]
        if not issued:
            issued = self.issue_now(finance, self.stack.drafts(finance.url, ITEMS))
        if issued:
            p = Pattern("GET", "/invoices/{id}", ids=issued[:ITEMS], keyed=False)
            self.http_row(
                "finance",
                "GET /invoices/{id}",
                servers,
                p,
                anchor=(
                    "pgbench: same SELECTs",
                    self.pgbench("finance", anchors.invoice_read(min(issued), max(issued))),
                ),
            )
        today = dt.date.today().isoformat()
        body = (
            f'{{"date":"{today}","memo":"bench","lines":[{{"account":"6100","debit":"10.00"}},'
            '{"account":"1100","credit":"10.00"}]}'
        )
        self.http_row(
            "finance",
            "POST /journal-entries (2 lines)",
            servers,
            Pattern("POST", "/journal-entries", body=body),
            settle=settle,
            anchor=("pgbench: textbook entry", self.pgbench("finance", anchors.journal_script())),
        )
        if self.args.quick:
            return
        per_run = self.args.warmup + self.args.seconds + self.args.profile_seconds
        drafts = self.stack.drafts(finance.url, int(per_run * 400) + 500)
        probe = drafts.pop()
        status, _ = self.stack.call(finance.url, "POST", f"/invoices/{probe}/issue", {})
        posts = status == 200
        p = Pattern("POST", "/invoices/{seq}/issue", body="{}", seq=drafts[0])
        self.http_row(
            "finance",
            f"POST /invoices/{{id}}/issue (answers {status})",
            servers,
            p,
            settle=settle,
            anchor=(
                f"pgbench: textbook issue ({'posting' if posts else 'request'})",
                self.pgbench("finance", anchors.issue_script(posts=posts)),
            ),
        )
        if len(drafts) != drafts[-1] - drafts[0] + 1:
            self.out.notes.append("draft invoice ids were not contiguous: some issues were 404s")
        if issued:
            p = Pattern(
                "POST", "/payments", ids=issued[:ITEMS], body='{"invoice":{id},"amount":"0.01"}'
            )
            self.http_row(
                "finance",
                "POST /payments",
                servers,
                p,
                settle=settle,
                anchor=(
                    "pgbench: textbook payment",
                    self.pgbench("finance", anchors.payment_script()),
                ),
            )
        else:
            self.out.notes.append(
                "POST /payments: no issued invoice to pay (the chain did not run"
                " and an issue does not complete without inventory)"
            )

    def issue_now(self, finance: Server, drafts: list[int]) -> list[int]:
        for d in drafts:
            self.stack.call(finance.url, "POST", f"/invoices/{d}/issue", {})
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not self.issued_invoices():
            time.sleep(0.1)
        return self.issued_invoices()

    def sqlite(self) -> None:
        print("embedded default (SQLite, in-process events)", flush=True)
        env = self.stack.env("inventory", "erp:bench:sqlite:", sqlite=True)
        env["ERP_DATA_DIR"] = str(self.stack.tmp / "sqlite")
        subprocess.run(
            erp_command("migrate", "inventory"),
            env={**os.environ, **env},
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        servers = self.servers("inventory", env)
        self.stack.seed_inventory(servers[0][1].url, "sqlite")
        skus = [sku(i) for i in range(ITEMS)]
        anchor_db = self.stack.tmp / "anchor.sqlite"
        db_file = Path(env["ERP_DATA_DIR"]) / "inventory.db"
        p = Pattern(
            "POST",
            "/movements",
            skus=skus,
            lines=1,
            line='{"sku":"{sku}","quantity":"1"}',
            body='{"type":"issue","warehouse":"MAIN","lines":[{lines}]}',
        )
        seconds = self.args.seconds
        self.http_row(
            "sqlite",
            "POST /movements issue, 1 line",
            servers,
            p,
            anchor=(
                "sqlite3: textbook issue, one thread",
                lambda: anchors.sqlite_movements(anchor_db, kind="issue", seconds=seconds),
            ),
        )
        self.http_row(
            "sqlite",
            "GET /items/{sku}",
            servers,
            Pattern("GET", "/items/{sku}", skus=skus, keyed=False),
            anchor=(
                "sqlite3: same SELECT, one thread",
                lambda: anchors.sqlite_item_reads(db_file, seconds=seconds),
            ),
        )
        self.stack.stop(*(s for _, s in servers))

    def startup_services(self) -> list[str]:
        return ["inventory"] if self.args.quick else list(SERVICES)

    def startup(self) -> None:
        print("start-up and idle memory (PostgreSQL)", flush=True)
        prefix = self.stack.new_prefix()
        services = self.startup_services()
        labels = ["before", "after"] if self.args.baseline else [""]
        for service in services:
            entries = {lb: Startup(service, lb) for lb in labels}
            for _ in range(self.args.startup_runs):
                for label in labels:
                    server = self.stack.serve(
                        service, self.stack.env(service, prefix), before=label == "before"
                    )
                    entries[label].ready.append(server.wait_ready(interval=0.01))
                    time.sleep(self.args.idle_seconds)
                    entries[label].rss.append(rss_mb(server.pid))
                    self.stack.stop(server)
            for entry in entries.values():
                print(
                    f"  {service} {entry.label}: ready {min(entry.ready):.2f}-"
                    f"{max(entry.ready):.2f} s, RSS {min(entry.rss):.0f}-"
                    f"{max(entry.rss):.0f} MB",
                    flush=True,
                )
            self.out.startups += entries.values()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.services", description=__doc__)
    p.add_argument(
        "--quick",
        action="store_true",
        help="tiny run: one row per group, runs of a second (proves the harness)",
    )
    p.add_argument("--only", choices=GROUPS, action="append", help="groups to run (default all)")
    p.add_argument(
        "--rows",
        action="append",
        help="only the HTTP rows whose name holds this text (e.g. 'issue, 1 line')",
    )
    p.add_argument("--seconds", type=float, default=5.0, help="measured run per round")
    p.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="measured runs per row, each followed by its anchor's run (the spread)",
    )
    p.add_argument("--warmup", type=float, default=1.0)
    p.add_argument("--profile-seconds", type=float, default=3.0, help="0: no profile")
    p.add_argument("--chain-seconds", type=float, default=10.0)
    p.add_argument("--startup-runs", type=int, default=3)
    p.add_argument(
        "--idle-seconds",
        type=float,
        default=3.0,
        help="RSS is read this long after /readyz first answers 200",
    )
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--load", choices=["auto", "wrk", "python"], default="auto")
    p.add_argument("--load-cpu", default="0", help="core of the load generators and pgbench")
    p.add_argument("--server-cpu", default="1", help="core of the services")
    p.add_argument(
        "--baseline",
        help="a tree whose `erp` package (PYTHONPATH) runs beside the "
        "current one as 'before', in the same run (inventory, sqlite, startup)",
    )
    p.add_argument("--out", default=str(ROOT / "bench" / "results" / "services.md"))
    args = p.parse_args(argv)
    args.argv = sys.argv[1:] if argv is None else list(argv)
    if args.quick:
        args.seconds, args.warmup, args.chain_seconds = min(args.seconds, 1.0), 0.0, 1.5
        args.startup_runs, args.idle_seconds = 1, min(args.idle_seconds, 1.0)
        args.rounds = 1
        args.profile_seconds = min(args.profile_seconds, 1.0)
    args.only = args.only or list(GROUPS)
    return args


def main(argv: list[str] | None = None) -> Outcome:
    args = parse_args(argv)
    if os.cpu_count() and os.cpu_count() > 1:  # type: ignore[operator]
        # The harness itself (load generators, polling) stays off the server core.
        os.sched_setaffinity(0, {int(c) for c in args.load_cpu.split(",")})
    else:
        args.load_cpu = args.server_cpu = None
    started = time.monotonic()
    stack = Stack(server_cpu=args.server_cpu, baseline=args.baseline)
    runner = Runner(args, stack)
    try:
        wanted = {"inventory"}
        if {"chain", "finance"} & set(args.only):
            wanted |= {"finance", "reporting"}
        if "startup" in args.only:
            wanted |= set(runner.startup_services())
        stack.create_databases([s for s in SERVICES if s in wanted])
        if "inventory" in args.only:
            runner.inventory()
        if {"chain", "finance"} & set(args.only):
            runner.chain_and_finance()
        if "sqlite" in args.only:
            runner.sqlite()
        if "startup" in args.only:
            runner.startup()
    except BaseException as error:
        runner.out.notes.append(f"the run stopped early: {type(error).__name__}: {error}")
        raise
    finally:
        stack.close()
        elapsed = time.monotonic() - started
        write_report(Path(args.out), args, runner.out, elapsed=elapsed, wrk=runner.use_wrk)
    return runner.out


if __name__ == "__main__":
    main()
