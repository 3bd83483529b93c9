"""Dapr pub/sub: publish through the sidecar's HTTP API, receive on routes Dapr calls.

- Publish: POST http://127.0.0.1:$DAPR_HTTP_PORT/v1.0/publish/{pubsub}/{topic}, body the
  CloudEvent, content type application/cloudevents+json (Dapr passes it through unchanged).
- Subscribe: Dapr reads GET /dapr/subscribe, then POSTs each event to /dapr/events/{topic}.
  The reply follows the pub/sub contract: SUCCESS (applied or already applied), RETRY (the
  handler failed; Dapr's resiliency policy retries, then uses the dead-letter topic), DROP
  (malformed or not ours: retrying cannot help).
- Readiness: the sidecar's GET /v1.0/healthz/outbound (ready for outbound calls).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aiohttp
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from erp.platform.events.envelope import Event
from erp.platform.events.inbox import Inbox
from erp.platform.events.transports.base import OutboxMessage, Transport
from erp.platform.logging import get_logger

log = get_logger(__name__)
CLOUDEVENTS_JSON = "application/cloudevents+json"
ROUTE_PREFIX = "/dapr/events"


def dead_letter_topic(topic: str) -> str:
    return f"{topic}.dead"


class DaprTransport(Transport):
    name = "dapr"

    def __init__(self, *, pubsub: str, http_port: int, timeout_seconds: float = 5.0) -> None:
        self.pubsub = pubsub
        self.base = f"http://127.0.0.1:{http_port}"
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self.inboxes: list[Inbox] = []
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def check(self) -> None:
        async with self._client().get(f"{self.base}/v1.0/healthz/outbound") as response:
            if response.status >= 300:
                raise RuntimeError(f"Dapr sidecar not ready (HTTP {response.status})")

    async def publish(self, messages: Sequence[OutboxMessage]) -> Sequence[int]:
        acked = []
        for m in messages:  # one at a time: keeps each subject's order
            url = f"{self.base}/v1.0/publish/{self.pubsub}/{m.topic}"
            async with self._client().post(
                url, data=m.payload, headers={"content-type": CLOUDEVENTS_JSON}
            ) as response:
                if response.status >= 300:
                    detail = (await response.text())[:200]
                    raise RuntimeError(
                        f"Dapr publish to {m.topic}: HTTP {response.status} {detail}"
                    )
            acked.append(m.row_id)
        return acked

    def subscribe(self, inbox: Inbox) -> None:
        self.inboxes.append(inbox)

    def subscriptions(self) -> list[dict[str, Any]]:
        return [
            {
                "pubsubname": self.pubsub,
                "topic": topic,
                "route": f"{ROUTE_PREFIX}/{topic}",
                "deadLetterTopic": dead_letter_topic(topic),
            }
            for inbox in self.inboxes
            for topic in inbox.topics
        ]

    def router(self) -> APIRouter:
        router = APIRouter(include_in_schema=False)

        @router.get("/dapr/subscribe")
        async def dapr_subscribe() -> list[dict[str, Any]]:
            return self.subscriptions()

        @router.post(ROUTE_PREFIX + "/{topic}")
        async def dapr_event(topic: str, request: Request) -> JSONResponse:
            return JSONResponse({"status": await self.receive(topic, await request.body())})

        return router

    async def receive(self, topic: str, body: bytes) -> str:
        inbox = next((i for i in self.inboxes if topic in i.handlers), None)
        if inbox is None:
            log.warning("dapr_event_dropped", topic=topic, reason="no subscription")
            return "DROP"
        try:
            event = Event.from_json(body)
        except (ValueError, KeyError, TypeError) as error:
            log.warning("dapr_event_dropped", topic=topic, reason=f"malformed: {error}")
            return "DROP"
        if event.type != topic:
            log.warning("dapr_event_dropped", topic=topic, reason=f"type {event.type!r}")
            return "DROP"
        reason = (await inbox.deliver([event])).get(event.id)
        return "SUCCESS" if reason is None else "RETRY"
