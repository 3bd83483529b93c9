"""`erp serve gateway` (and `erp up`): one process, one uvloop event loop.

The proxy engine listens on ERP_PORT and forwards /api/<service>/ to each upstream; every
other path goes to the control app (tokens, users, /status, /docs, health), served by uvicorn
on a unix socket in a private temporary directory. `erp up` adds the embedded services, each
on its own unix socket, as the upstreams.

Shutdown keeps the platform's contract: SIGTERM turns /readyz 503 at once while everything
keeps serving; after ERP_SHUTDOWN_DELAY_SECONDS the proxy stops accepting and drains within
ERP_DRAIN_TIMEOUT_SECONDS, then the apps behind it stop (lifespans close pools); exit 0.

CPU policy: `erp serve gateway` runs as SCHED_BATCH on Linux unless ERP_SCHED_POLICY=normal.
The proxy does a few microseconds of work per wake-up. Under the default policy every packet
that wakes it preempts whatever runs on that core, often the very service it forwards to,
and both then run with cold caches. As a batch task it is not woken ahead of a running task:
it runs when that task blocks or its time slice ends (at most one scheduler tick, 4 ms at 250
Hz) and handles everything that arrived meanwhile in one go. It still gets its fair share of
the CPU, and an idle core runs it at once; only while its core is busy does a request wait
that long. `bench/results/gateway.md` shows the effect with the gateway sharing a core with
the inventory service.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import resource
import shutil
import signal
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import uvicorn
import uvloop
from fastapi import FastAPI

from erp.gateway.config import GatewaySettings
from erp.gateway.proxy import (
    EdgeHeadersConfig,
    GatewayProxy,
    JwtConfig,
    ProxyConfig,
    RateLimitConfig,
    RouteConfig,
    UpstreamConfig,
)
from erp.gateway.proxy.config import MAX_CLIENT_CONNECTIONS
from erp.gateway.state import configured_upstreams, gateway_state
from erp.platform.http_protocol import CoalescingHttpToolsProtocol
from erp.platform.logging import get_logger
from erp.platform.settings import ServiceSettings
from erp.platform.shutdown import STEPS_SECONDS, WATCHDOG_SLACK_SECONDS, start_watchdog

log = get_logger(__name__)
STARTUP_FAILURE = 3


class _InLoopServer(uvicorn.Server):
    """uvicorn inside a loop it does not own: the composite server handles signals."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


# The paths the Ingress sends straight to reporting, which verifies tokens itself and serves
# the dashboard's sign-in page; the gateway routes them the same way so `erp up` matches.
REPORTING_PATHS = ("/dashboard", "/reports")


def _routes(upstreams: dict[str, str]) -> tuple[RouteConfig, ...]:
    routes = [RouteConfig(f"/api/{name}/", url) for name, url in upstreams.items()]
    if "reporting" in upstreams:
        routes += [
            RouteConfig(path, upstreams["reporting"], requires_auth=False, strip_prefix=False)
            for path in REPORTING_PATHS
        ]
    return tuple(routes)


def proxy_config(settings: GatewaySettings, upstreams: dict[str, str], fallback: str,
                 jwt_secret: str) -> ProxyConfig:  # fmt: skip
    """The proxy engine's configuration from the gateway's settings."""
    rs256 = settings.jwt_algorithm == "RS256"
    return ProxyConfig(
        routes=_routes(upstreams),
        fallback=fallback,
        jwt=JwtConfig(
            secret=None if rs256 else jwt_secret,
            public_key=settings.jwt_public_key if rs256 else None,
        ),
        rate_limit=RateLimitConfig(
            redis_url=settings.redis_url,
            key_prefix=f"{settings.redis_key_prefix}rl:",
            user_rate=settings.rate_limit_user_per_second,
            user_burst=max(1, round(2 * settings.rate_limit_user_per_second)),
            ip_rate=settings.rate_limit_ip_per_second,
            ip_burst=max(1, round(2 * settings.rate_limit_ip_per_second)),
            batch=settings.rate_limit_batch,
        ),
        upstream=UpstreamConfig(
            response_timeout=settings.upstream_timeout_seconds,
            max_connection_age=settings.upstream_max_connection_age_seconds,
        ),
        edge=EdgeHeadersConfig(
            cors_origins=settings.cors_origin_list, hsts=settings.forwarded_proto == "https"
        ),
        max_body_bytes=settings.max_body_bytes,
        header_timeout=settings.client_timeout_seconds,
        body_idle_timeout=settings.client_timeout_seconds,
        forwarded_proto=settings.forwarded_proto,
        max_client_connections=client_connection_limit(),
        count_fallback=False,  # the control app's own metrics count those requests
    )


def client_connection_limit() -> int:
    """Half the process's file descriptors (the rest are for upstreams, Redis, the database
    and logs), at most the proxy's default."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return MAX_CLIENT_CONNECTIONS
    return max(64, min(MAX_CLIENT_CONNECTIONS, soft // 2))


# A unix socket path must fit in sockaddr_un (108 bytes with the terminating NUL).
_MAX_SOCKET_PATH = 107
_LONGEST_SOCKET_NAME = len("/reporting.sock")


def _socket_dir() -> Path:
    """A private directory for the in-process sockets: under TMPDIR (the pod's /tmp emptyDir)
    when the paths fit, else under /tmp, else a clear error."""
    for parent in (None, "/tmp"):
        workdir = Path(tempfile.mkdtemp(prefix="erp-gw-", dir=parent))
        if len(str(workdir)) + _LONGEST_SOCKET_NAME <= _MAX_SOCKET_PATH:
            return workdir
        workdir.rmdir()
    raise RuntimeError(
        f"TMPDIR {tempfile.gettempdir()!r} is too long for unix socket paths "
        f"(at most {_MAX_SOCKET_PATH - _LONGEST_SOCKET_NAME} characters)"
    )


def _uvicorn(app: FastAPI, path: Path, settings: ServiceSettings) -> _InLoopServer:
    config = uvicorn.Config(
        app,
        uds=str(path),
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=max(1, round(settings.drain_timeout_seconds)),
        http=CoalescingHttpToolsProtocol,
        log_level=settings.log_level.lower(),
        server_header=False,
        date_header=False,
        timeout_keep_alive=max(31, round(settings.drain_timeout_seconds)),
    )
    return _InLoopServer(config)


async def _start(server: _InLoopServer, name: str) -> asyncio.Task[None]:
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            log.error("app_failed_to_start", app=name)
            raise SystemExit(STARTUP_FAILURE)
        await asyncio.sleep(0.01)
    return task


async def run_gateway(
    control: FastAPI,
    settings: GatewaySettings,
    *,
    host: str | None = None,
    services: dict[str, FastAPI] | None = None,
    on_shutdown_begin: Callable[[], None] | None = None,
) -> None:
    """Serve until SIGTERM/SIGINT, then shut down as the platform's contract says."""
    loop = asyncio.get_running_loop()
    workdir = _socket_dir()
    servers: list[tuple[str, _InLoopServer, asyncio.Task[None]]] = []
    proxy: GatewayProxy | None = None
    try:
        upstreams = configured_upstreams(settings)
        for name, app in (services or {}).items():
            server = _uvicorn(app, workdir / f"{name}.sock", settings)
            servers.append((name, server, await _start(server, name)))
            upstreams[name] = f"unix:{workdir / f'{name}.sock'}"
        control.state.runtime.extras["upstreams"] = upstreams
        server = _uvicorn(control, workdir / "control.sock", settings)
        servers.append(("gateway", server, await _start(server, "gateway")))
        state = gateway_state(control.state.runtime)
        fallback = f"unix:{workdir / 'control.sock'}"
        config = proxy_config(settings, upstreams, fallback, control.state.runtime.jwt_secret)
        proxy = GatewayProxy(config, revoked=state.revoked)
        await proxy.start(host or settings.host, settings.port)
        state.proxy = proxy
        # Everything built so far lives as long as the process: move it out of the collector's
        # generations so that full collections do not walk FastAPI's and SQLAlchemy's objects.
        gc.collect()
        gc.freeze()
        log.info("gateway_listening", port=settings.port, upstreams=upstreams)
        await _wait_for_signal(loop, control, settings, on_shutdown_begin)
        log.info("shutdown_draining")
        drained = await proxy.shutdown(timeout=settings.drain_timeout_seconds)
        proxy = None
        log.info("proxy_stopped", drained=drained)
    finally:
        if proxy is not None:
            await proxy.shutdown(timeout=1)
        for _, server, _ in reversed(servers):
            server.should_exit = True
        for _, _, task in reversed(servers):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        shutil.rmtree(workdir, ignore_errors=True)
    log.info("service_stopped", service="gateway")


async def _wait_for_signal(
    loop: asyncio.AbstractEventLoop,
    control: FastAPI,
    settings: GatewaySettings,
    on_begin: Callable[[], None] | None,
) -> None:
    stop, hurry = asyncio.Event(), asyncio.Event()

    def on_signal(sig: signal.Signals) -> None:
        if stop.is_set():
            hurry.set()  # a second signal skips the rest of the delay
            return
        stop.set()
        start_watchdog(
            settings.shutdown_delay_seconds
            + settings.drain_timeout_seconds
            + STEPS_SECONDS
            + WATCHDOG_SLACK_SECONDS
        )
        control.state.readiness.shutting_down = True
        if on_begin is not None:
            on_begin()
        log.info("shutdown_started", signal=sig.name, delay_seconds=settings.shutdown_delay_seconds)

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_signal, sig)
    await stop.wait()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(hurry.wait(), settings.shutdown_delay_seconds)


def apply_sched_policy(policy: str) -> bool:
    """Make this process a SCHED_BATCH task (see the module's docstring); True if it is now.
    Threads started later inherit the policy."""
    if policy != "batch" or not hasattr(os, "sched_setscheduler"):
        return False
    try:
        os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))
    except OSError as exc:  # a seccomp profile may forbid it: run on, under the default
        log.warning("sched_policy_unavailable", policy=policy, error=str(exc))
        return False
    return True


def serve_gateway(app: FastAPI, settings: ServiceSettings) -> None:
    """The ServiceSpec `serve` hook: what `erp serve gateway` runs."""
    assert isinstance(settings, GatewaySettings)
    apply_sched_policy(settings.sched_policy)
    uvloop.run(run_gateway(app, settings))


__all__ = ["apply_sched_policy", "proxy_config", "run_gateway", "serve_gateway"]
