"""Run an ASGI app with the shutdown the orchestration relies on (docs/architecture.md).

SIGTERM: readiness turns 503 at once; keep serving for the shutdown delay (endpoint removal
propagates meanwhile); then stop accepting, finish in-flight requests within the drain timeout,
run lifespan shutdown (close pools, each step bounded: erp.platform.shutdown) and exit 0,
within delay + drain + a few seconds whatever the database and Redis do. A second SIGINT
forces exit.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from types import FrameType
from typing import Any

import uvicorn

from erp.platform.http_protocol import CoalescingHttpToolsProtocol
from erp.platform.logging import get_logger
from erp.platform.shutdown import STEPS_SECONDS, WATCHDOG_SLACK_SECONDS, start_watchdog

log = get_logger(__name__)


class GracefulServer(uvicorn.Server):
    def __init__(
        self,
        config: uvicorn.Config,
        *,
        shutdown_delay: float,
        drain_timeout: float,
        on_shutdown_begin: Callable[[], None],
    ) -> None:
        super().__init__(config)
        self._delay = shutdown_delay
        self._drain = drain_timeout
        self._on_begin = on_shutdown_begin
        self._draining = False
        self._loop: asyncio.AbstractEventLoop | None = None

    async def serve(self, sockets: Any = None) -> None:
        self._loop = asyncio.get_running_loop()
        await super().serve(sockets)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        # A signal handler runs between two bytecodes of whatever the main thread was doing,
        # perhaps inside a log call holding stdout's (non-reentrant) write lock: logging or
        # starting a thread here can deadlock the process for good. It only hands the work to
        # the event loop. Not recorded in _captured_signals: uvicorn would re-raise it after
        # shutdown and the process would die by the signal instead of exiting 0.
        if self._draining:
            if sig == signal.SIGINT:
                self.force_exit = True
            return
        self._draining = True
        if self._loop is None:
            self.should_exit = True
            return
        self._loop.call_soon_threadsafe(self._begin, sig)

    def _begin(self, sig: int) -> None:
        start_watchdog(self._delay + self._drain + STEPS_SECONDS + WATCHDOG_SLACK_SECONDS)
        self._on_begin()
        log.info("shutdown_started", signal=signal.Signals(sig).name, delay_seconds=self._delay)

        async def later() -> None:
            await asyncio.sleep(self._delay)
            log.info("shutdown_draining")
            self.should_exit = True

        self._delay_task = asyncio.ensure_future(later())


def run(
    app: Any,
    *,
    host: str,
    port: int,
    shutdown_delay: float,
    drain_timeout: float,
    on_shutdown_begin: Callable[[], None],
    log_level: str = "info",
) -> None:
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=max(1, round(drain_timeout)),
        loop="uvloop",
        http=CoalescingHttpToolsProtocol,
        log_level=log_level.lower(),
        server_header=False,
        timeout_keep_alive=30,
    )
    server = GracefulServer(
        config,
        shutdown_delay=shutdown_delay,
        drain_timeout=drain_timeout,
        on_shutdown_begin=on_shutdown_begin,
    )
    server.run()
