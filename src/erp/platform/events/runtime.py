"""Wires the backbone into a service: relay, transport, inbox, readiness and metrics.

`attach(spec, runtime)` is called by `create_app` while the app is built (so in the embedded
mode every service has joined the in-process bus before any relay starts); the app's lifespan
then calls `start()` and `stop()`.
"""

from __future__ import annotations

import asyncio
import contextlib

from fastapi import APIRouter

from erp.platform.events.inbox import Inbox
from erp.platform.events.metrics import CONSUMER_LAG, CONSUMER_PENDING, DEAD_LETTERS
from erp.platform.events.relay import Relay
from erp.platform.events.transports import Transport, make_transport
from erp.platform.logging import get_logger
from erp.platform.runtime import Runtime
from erp.platform.service import ServiceSpec

log = get_logger(__name__)
_METRICS_SECONDS = 5.0


class Backbone:
    def __init__(self, spec: ServiceSpec, runtime: Runtime, transport: Transport) -> None:
        settings = runtime.settings
        self.service = spec.name
        self.transport = transport
        self.relay: Relay | None = None
        self.inbox: Inbox | None = None
        if "outbox" in runtime.metadata.tables:
            self.relay = Relay(
                service=spec.name,
                db=runtime.db,
                metadata=runtime.metadata,
                transport=transport,
                batch_size=settings.relay_batch_size,
                sweep_seconds=settings.relay_sweep_seconds,
                retention_seconds=settings.outbox_retention_seconds,
            )
        if spec.subscriptions:
            self.inbox = Inbox(
                service=spec.name,
                db=runtime.db,
                metadata=runtime.metadata,
                handlers=spec.subscriptions,
            )
            transport.subscribe(self.inbox)
        self._metrics_task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def router(self) -> APIRouter | None:
        return self.transport.router()

    async def check(self) -> None:
        """Readiness: the transport is reachable."""
        await self.transport.check()

    async def start(self) -> None:
        await self.transport.start()
        if self.relay is not None:
            self.relay.start()
        self._metrics_task = asyncio.create_task(self._metrics_loop(), name="events-metrics")

    async def stop(self) -> None:
        self._stopping.set()
        if self._metrics_task is not None:
            await self._metrics_task
        if self.relay is not None:
            await self.relay.stop()
        await self.transport.close()

    async def refresh_metrics(self) -> None:
        if self.relay is not None:
            await self.relay.refresh_metrics()
        if self.inbox is not None:
            for s in await self.transport.stats(self.service, self.inbox.topics):
                CONSUMER_LAG.labels(self.service, s.topic).set(s.lag or 0)
                CONSUMER_PENDING.labels(self.service, s.topic).set(s.pending)
                DEAD_LETTERS.labels(self.service, s.topic).set(s.dead_letters)

    async def _metrics_loop(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(Exception):  # metrics never take the service down
                await asyncio.wait_for(self.refresh_metrics(), _METRICS_SECONDS)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), _METRICS_SECONDS)


def attach(spec: ServiceSpec, runtime: Runtime, transport: Transport | None = None) -> Backbone:
    """Build the backbone for a service, register its readiness check, keep it on the runtime."""
    backbone = Backbone(spec, runtime, transport or make_transport(runtime.settings))
    runtime.readiness.add("events", backbone.check)
    runtime.extras["events"] = backbone
    return backbone
