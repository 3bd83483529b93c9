"""A transport that records what it was asked to publish (no broker)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence

from erp.platform.events.inbox import Inbox
from erp.platform.events.transports.base import OutboxMessage, Transport


class RecordingTransport(Transport):
    name = "recording"

    def __init__(
        self, *, fail: bool = False, delay: float = 0.0, log: list[dict] | None = None
    ) -> None:
        self.fail = fail
        self.delay = delay
        self.published: list[dict] = []
        self.log = log if log is not None else []  # shared by replicas: global publish order
        self.arrived = asyncio.Event()

    async def check(self) -> None:
        return None

    async def publish(self, messages: Sequence[OutboxMessage]) -> Sequence[int]:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail:
            raise ConnectionError("broker down")
        events = [json.loads(m.payload) for m in messages]
        self.published.extend(events)
        self.log.extend(events)
        self.arrived.set()
        return [m.row_id for m in messages]

    def subscribe(self, inbox: Inbox) -> None:
        raise NotImplementedError
