"""The CloudEvents 1.0 envelope every event travels in, and the handler contract."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection


@dataclass(frozen=True)
class Event:
    """One delivered event: `type` is the topic (`<service>.<event>`), `subject` the
    aggregate it concerns and `sequence` its position within that aggregate."""

    id: str
    source: str
    type: str
    subject: str
    sequence: int
    time: datetime
    data: dict[str, Any]
    traceparent: str | None = None

    @classmethod
    def from_json(cls, raw: str | bytes | dict[str, Any]) -> Event:
        body = raw if isinstance(raw, dict) else json.loads(raw)
        return cls(
            id=str(body["id"]),
            source=str(body["source"]),
            type=str(body["type"]),
            subject=str(body.get("subject", "")),
            sequence=int(body.get("sequence", 0)),
            time=datetime.fromisoformat(str(body["time"]).replace("Z", "+00:00")),
            data=body.get("data") or {},
            traceparent=body.get("traceparent"),
        )


# A handler applies one event's effect inside the consumer's transaction (`conn`); the inbox
# row that marks the event handled is written in that same transaction by the backbone, so a
# redelivered event has no second effect. Raising means "retry later".
Handler = Callable[[AsyncConnection, Event], Awaitable[None]]
