"""In-process transport (the embedded default of `erp up`).

One bus per process, shared by every service the process hosts. Publishing hands each event to
the subscribed services' inboxes and is acknowledged only once every subscriber committed its
effect; until then the row stays in the publisher's outbox, so a crash or restart loses
nothing. An event that still fails after the attempts allowed is left in the outbox (counted as
a dead letter here) and tried again at each relay sweep.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

from erp.platform.events.envelope import Event
from erp.platform.events.inbox import Inbox
from erp.platform.events.metrics import DEAD_LETTERS
from erp.platform.events.transports.base import OutboxMessage, TopicStats, Transport
from erp.platform.logging import get_logger

log = get_logger(__name__)
_MAX_INLINE_BACKOFF_SECONDS = 2.0


@dataclass
class Subscriber:
    inbox: Inbox
    max_attempts: int
    backoff_seconds: float
    active: bool = False
    # Events that used up their attempts: id -> (topic, last failure). One try per sweep each.
    parked: dict[str, tuple[str, str]] = field(default_factory=dict)

    async def handle(self, events: list[Event]) -> set[str]:
        """Apply with retries and backoff; returns the ids that took effect (or had already)."""
        done: set[str] = set()
        todo = events
        for attempt in range(1, self.max_attempts + 1):
            outcome = await self.inbox.deliver(todo)
            failed = [e for e in todo if outcome.get(e.id) is not None]
            done.update(e.id for e in todo if outcome.get(e.id) is None)
            for e in failed:
                if e.id in self.parked or attempt == self.max_attempts:
                    self.parked[e.id] = (e.type, outcome[e.id] or "")
            todo = [e for e in failed if e.id not in self.parked]
            if not todo:
                break
            await asyncio.sleep(
                min(self.backoff_seconds * 2 ** (attempt - 1), _MAX_INLINE_BACKOFF_SECONDS)
            )
        for event_id in done:
            self.parked.pop(event_id, None)
        for topic in self.inbox.topics:
            DEAD_LETTERS.labels(self.inbox.service, topic).set(self.dead_letters(topic))
        return done

    def dead_letters(self, topic: str) -> int:
        return sum(1 for t, _ in self.parked.values() if t == topic)


class InProcessBus:
    """The process-wide registry: consuming service -> subscriber."""

    def __init__(self) -> None:
        self.subscribers: dict[str, Subscriber] = {}

    def register(self, subscriber: Subscriber) -> None:
        self.subscribers[subscriber.inbox.service] = subscriber  # a re-created app replaces

    async def deliver(self, messages: Sequence[OutboxMessage]) -> list[int]:
        events: dict[int, Event] = {}
        acked: list[int] = []
        for m in messages:
            try:
                events[m.row_id] = Event.from_json(m.payload)
            except (ValueError, KeyError, TypeError) as error:
                log.error("event_malformed", row_id=m.row_id, error=str(error))
                acked.append(m.row_id)  # nothing any subscriber could do with it
        subscribers = list(self.subscribers.values())
        wanted = [[e for e in events.values() if e.type in s.inbox.handlers] for s in subscribers]
        results = await asyncio.gather(
            *(self._hand_to(s, evs) for s, evs in zip(subscribers, wanted, strict=True))
        )
        refused = {
            e.id for evs, done in zip(wanted, results, strict=True) for e in evs if e.id not in done
        }
        acked.extend(row for row, e in events.items() if e.id not in refused)
        return sorted(acked)

    @staticmethod
    async def _hand_to(subscriber: Subscriber, events: list[Event]) -> set[str]:
        if not events or not subscriber.active:
            return set()
        return await subscriber.handle(events)


BUS = InProcessBus()


class InProcessTransport(Transport):
    name = "inprocess"

    def __init__(
        self, *, max_attempts: int, backoff_seconds: float, bus: InProcessBus | None = None
    ) -> None:
        self.bus = bus or BUS
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self._own: list[Subscriber] = []

    def subscribe(self, inbox: Inbox) -> None:
        subscriber = Subscriber(inbox, self.max_attempts, self.backoff_seconds)
        self.bus.register(subscriber)
        self._own.append(subscriber)

    async def start(self) -> None:
        for s in self._own:
            s.active = True

    async def close(self) -> None:
        for s in self._own:
            s.active = False  # still registered: events wait in the outbox for the next run

    async def check(self) -> None:
        return None

    async def publish(self, messages: Sequence[OutboxMessage]) -> Sequence[int]:
        return await self.bus.deliver(messages)

    async def stats(self, service: str, topics: Sequence[str]) -> list[TopicStats]:
        subscriber = self.bus.subscribers.get(service)
        return [
            TopicStats(t, 0, 0, subscriber.dead_letters(t) if subscriber else 0) for t in topics
        ]
