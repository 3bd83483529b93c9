"""Gateway benchmark: the same trivial backend called directly, through nginx, through our proxy.

Load (wrk) runs on one core, every server on the other (taskset), so each row measures what
one server core can do. Prints a markdown table and writes it to bench/results/gateway.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import jwt
from nginx_site import nginx_site

from erp.gateway.config import GatewaySettings

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PY = sys.executable
SECRET = "bench-signing-key-" + "x" * 32
# ERP_RATE_LIMIT_BATCH's default: the most tokens a lease holds.
BATCH = str(GatewaySettings.model_fields["rate_limit_batch"].default)


def compiled_env(path: str) -> dict[str, str]:
    """The environment that runs the compiled proxy engine (`make compiled`), as the image does."""
    probe = [PY, "-c", "import sys, erp.gateway.proxy as p; sys.exit(not p.compiled())"]
    env = {**os.environ, "PYTHONPATH": path}
    if subprocess.run(probe, env=env, capture_output=True).returncode != 0:
        sys.exit(f"--compiled: no compiled proxy engine in {path} (run `make compiled`)")
    return env


@dataclass
class Row:
    name: str
    rps: float
    p50: str
    p99: str
    errors: int
    server_us: float = 0.0  # CPU of every server process per request
    proxy_us: float | None = None  # CPU of the proxy alone per request
    proxy_wakeups: float | None = None  # times the proxy was woken per request


TICK = os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> list[int]:
    """`pid` and its descendants (nginx serves from a worker child)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        with suppress(OSError):
            todo += [int(c) for c in Path(f"/proc/{p}/task/{p}/children").read_text().split()]
    return out


def usage(pids: list[int]) -> tuple[float, int]:
    """(CPU seconds, voluntary context switches of the main threads) of the process trees."""
    cpu, switches = 0.0, 0
    for p in {q for pid in pids for q in _tree(pid)}:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            status = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        cpu += (int(fields[11]) + int(fields[12])) / TICK
        switches += int(re.search(r"^voluntary_ctxt_switches:\s+(\d+)", status, re.M).group(1))  # type: ignore[union-attr]
    return cpu, switches


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


SERVERS: list[int] = []  # every server process started, for the CPU columns


@contextmanager
def process(
    cmd: list[str], cpu: str, port: int, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(["taskset", "-c", cpu, *cmd], cwd=ROOT, env=env)
    SERVERS.append(proc.pid)
    try:
        wait_port(port)
        yield proc
    finally:
        SERVERS.remove(proc.pid)
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def wrk(
    args: argparse.Namespace, url: str, token: str, duration: int, proxy: int | None = None
) -> Row:
    cmd = ["taskset", "-c", args.load_cpu, "wrk", f"-t{args.threads}", f"-c{args.connections}",
           f"-d{duration}s", "--latency", "-H", f"Authorization: Bearer {token}", url]  # fmt: skip
    servers_before = usage(SERVERS)
    proxy_before = usage([proxy]) if proxy else (0.0, 0)
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    servers_after = usage(SERVERS)
    proxy_after = usage([proxy]) if proxy else (0.0, 0)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errs = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(bad.group(1)) if bad else 0
    if errs:
        errors += sum(int(g) for g in errs.groups())
    done = rps * duration or 1.0
    row = Row("", rps, lat.get("50", "?"), lat.get("99", "?"), errors,
              server_us=(servers_after[0] - servers_before[0]) / done * 1e6)  # fmt: skip
    if proxy:
        row.proxy_us = (proxy_after[0] - proxy_before[0]) / done * 1e6
        row.proxy_wakeups = (proxy_after[1] - proxy_before[1]) / done
    return row


Target = tuple[str, str, int | None]  # row name, URL, pid of the proxy (None: direct)


def measure(args: argparse.Namespace, targets: list[Target], token: str) -> list[Row]:
    """Rotate through the targets each round (interference hits all rows alike); keep the best."""
    for _, url, _ in targets:
        wrk(args, url, token, args.warmup)
    best: dict[str, Row] = {}
    for _ in range(args.rounds):
        for name, url, proxy in targets:
            row = wrk(args, url, token, args.duration, proxy)
            row.name = name
            if name not in best or row.rps > best[name].rps:
                best[name] = row
    for r in best.values():
        print(f"{r.name}: {r.rps:,.0f} req/s p50 {r.p50} p99 {r.p99}", flush=True)
    return [best[name] for name, _, _ in targets]


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--duration", type=int, default=5)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--rounds", type=int, default=3, help="runs per row; the best is reported")
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--load-cpu", default="0")
    p.add_argument("--server-cpu", default="1")
    p.add_argument(
        "--redis-url", default=os.environ.get("ERP_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    p.add_argument("--backend", choices=["raw", "starlette", "inventory"], action="append",
                   help="backend(s) to use; default: all, one table each")  # fmt: skip
    p.add_argument("--out", default=str(ROOT / "bench" / "results" / "gateway.md"))
    p.add_argument("--compiled", default=str(ROOT / "build" / "compiled"),
                   help="the compiled build of `make compiled`")  # fmt: skip
    args = p.parse_args()
    args.compiled_env = compiled_env(args.compiled)
    kinds = args.backend or ["raw", "starlette", "inventory"]
    tables = [run_inventory(args) if k == "inventory" else run_backend(args, k) for k in kinds]
    report(args, tables)


BACKENDS = {
    "raw": ("backend.py", "uvloop + httptools protocol server, fixed 15-byte JSON answer"),
    "starlette": ("starlette_backend.py", "Starlette JSON endpoint on uvicorn (uvloop, httptools)"),
    "inventory": (
        "",
        "inventory GET /items/{sku} on PostgreSQL (`erp serve inventory`), "
        "gateway is `erp serve gateway`",
    ),
}


NGINX = "nginx reverse proxy (keepalive)"
NGINX_BATCH = "nginx, as above, under SCHED_BATCH (`chrt --batch`)"
GATEWAY = "erp gateway, compiled as in the image (JWT + batched Redis rate limit + metrics)"
GATEWAY_NORMAL = "erp gateway, as above but ERP_SCHED_POLICY=normal"
GATEWAY_PURE = "erp gateway, as above but pure Python (the editable `make install`)"


def run_backend(args: argparse.Namespace, kind: str) -> tuple[str, list[Row]]:
    now = int(time.time())
    token = jwt.encode({"sub": "bench", "roles": ["admin"], "iat": now, "exp": now + 3600,
                        "iss": "erp", "typ": "access"}, SECRET)  # fmt: skip
    bport, nport, nbport, gport, g2port, g3port, g4port, g5port = (free_port() for _ in range(8))
    path = "/api/bench/items"
    compiled = args.compiled_env
    with tempfile.TemporaryDirectory() as tmp:
        nginx = nginx_site(tmp, "nginx", bport, nport)
        nginx_batch = nginx_site(tmp, "nginx-batch", bport, nbport, batch=True)
        backend = [PY, str(HERE / BACKENDS[kind][0]), str(bport)]
        gateway = [PY, str(HERE / "proxy_server.py"), "--backend-port", str(bport),
                   "--secret", SECRET, "--redis-url", args.redis_url,
                   "--key-prefix", f"erp:bench:{uuid.uuid4().hex[:8]}:"]  # fmt: skip
        cpu = args.server_cpu
        with (
            process(backend, cpu, bport),
            process(nginx, cpu, nport) as ngx,
            process(nginx_batch, cpu, nbport) as ngx_b,
            process([*gateway, "--port", str(g3port), "--batch", BATCH], cpu, g3port,
                    env=compiled) as g3,
            process([*gateway, "--port", str(g4port), "--batch", BATCH, "--sched-policy",
                     "normal"], cpu, g4port, env=compiled) as g4,
            process([*gateway, "--port", str(g5port), "--batch", BATCH], cpu, g5port) as g5,
            process([*gateway, "--port", str(gport)], cpu, gport, env=compiled) as g1,
            process([*gateway, "--port", str(g2port), "--no-rate-limit"], cpu, g2port,
                    env=compiled) as g2,
        ):  # fmt: skip
            url = "http://127.0.0.1:{}" + path
            rows = measure(
                args,
                [
                    ("backend direct", url.format(bport), None),
                    (NGINX, url.format(nport), ngx.pid),
                    (NGINX_BATCH, url.format(nbport), ngx_b.pid),
                    (GATEWAY, url.format(g3port), g3.pid),
                    (GATEWAY_NORMAL, url.format(g4port), g4.pid),
                    (GATEWAY_PURE, url.format(g5port), g5.pid),
                    ("erp gateway, compiled, one Redis round trip per request",
                     url.format(gport), g1.pid),
                    ("erp gateway, compiled, no rate limit", url.format(g2port), g2.pid),
                ],
                token,
            )  # fmt: skip
    return kind, rows


def run_inventory(args: argparse.Namespace) -> tuple[str, list[Row]]:
    """A real read endpoint: `erp serve inventory` on PostgreSQL, behind `erp serve gateway`."""
    from inventory_bench import inventory_stack

    with inventory_stack(args, SECRET, process, free_port, args.compiled_env) as (token, ends):
        rows = measure(
            args,
            [("inventory direct", *ends["direct"]), (NGINX, *ends["nginx"]),
             (NGINX_BATCH, *ends["nginx-batch"]), (GATEWAY, *ends["gateway"]),
             (GATEWAY_NORMAL, *ends["gateway-normal"]), (GATEWAY_PURE, *ends["gateway-pure"])],
            token,
        )  # fmt: skip
    return "inventory", rows


def report(args: argparse.Namespace, tables: list[tuple[str, list[Row]]]) -> None:
    lines = [
        "# Gateway proxy benchmark",
        "",
        f"`make bench-gateway` on {platform.node()} ({os.cpu_count()} cores, "
        f"{platform.python_implementation()} {platform.python_version()}), "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s --latency, pinned to CPU "
        f"{args.load_cpu}; backend, nginx and the gateway pinned to CPU {args.server_cpu} "
        f"(`taskset`). Rows are measured in rotation, {args.rounds} rounds, best run reported, "
        f"after a {args.warmup}s warm-up each. Within a "
        "table every row calls the same backend. Redis is the machine's own server (not pinned).",
        "",
        "CPU columns come from `/proc/<pid>/stat` over the reported run: *server CPU* is every "
        "server process of the table together (backend, proxies; idle ones add a few µs), "
        "*proxy CPU* the proxy alone (nginx: master and worker), *wake-ups* the proxy's "
        "voluntary context switches per request.",
    ]
    for kind, rows in tables:
        direct = rows[0].rps or 1.0
        lines += [
            "",
            f"## Backend: {BACKENDS[kind][1]}",
            "",
            "| path | req/s | share of direct | p50 | p99 | server CPU µs/req | proxy CPU µs/req "
            "| proxy wake-ups/req | errors |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in rows:
            proxy_us = "-" if r.proxy_us is None else f"{r.proxy_us:.0f}"
            wakeups = "-" if r.proxy_wakeups is None else f"{r.proxy_wakeups:.2f}"
            lines.append(f"| {r.name} | {r.rps:,.0f} | {r.rps / direct:.2f} | {r.p50} | {r.p99} "
                         f"| {r.server_us:.0f} | {proxy_us} | {wakeups} "
                         f"| {r.errors} |")  # fmt: skip
    text = "\n".join(lines) + "\n"
    print()
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
