"""The one small interface every transport implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

from fastapi import APIRouter

from erp.platform.events.inbox import Inbox


@dataclass(frozen=True)
class OutboxMessage:
    """One outbox row on its way out: `payload` is the CloudEvent JSON."""

    row_id: int
    topic: str
    subject: str
    sequence: int
    payload: str


@dataclass(frozen=True)
class TopicStats:
    """What a consuming service has not finished with, per topic."""

    topic: str
    lag: int | None  # published, not yet delivered to the group (None: unknown)
    pending: int  # delivered, not acknowledged
    dead_letters: int


class Transport(ABC):
    """Publishes outbox rows and delivers them to a service's inbox."""

    name: str

    async def start(self) -> None:  # noqa: B027 - optional hook
        """Connect; must not fail when the broker is down (readiness reports that)."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Stop consuming and release connections."""

    @abstractmethod
    async def check(self) -> None:
        """Readiness: raise when the transport cannot be reached."""

    @abstractmethod
    async def publish(self, messages: Sequence[OutboxMessage]) -> Sequence[int]:
        """Publish in order; return the row ids the transport acknowledged."""

    @abstractmethod
    def subscribe(self, inbox: Inbox) -> None:
        """Deliver the inbox's topics to it from `start` until `close`."""

    def router(self) -> APIRouter | None:
        """Routes the service app must serve for this transport (Dapr), if any."""
        return None

    async def maintain(self, topics: Sequence[str]) -> Sequence[int]:
        """Periodic upkeep of topics this process publishes (stream trimming); returns outbox
        row ids the transport lost after acknowledging them, to be published again."""
        return ()

    async def stats(self, service: str, topics: Sequence[str]) -> list[TopicStats]:
        """Lag, pending and dead letters of `service` for each topic."""
        return []
