"""What `erp events status` and `erp events replay-dead-letters` do."""

from __future__ import annotations

from dataclasses import dataclass, field

from erp.platform.cli_errors import database_url, describe
from erp.platform.db import Database
from erp.platform.events.relay import outbox_backlog
from erp.platform.events.transports import TopicStats, make_transport
from erp.platform.service import ServiceSpec
from erp.platform.settings import load_settings


@dataclass(frozen=True)
class ServiceStatus:
    service: str
    transport: str
    backlog: int | None  # None: the service keeps no outbox
    oldest_age_seconds: float
    topics: list[TopicStats]
    error: str | None = None
    # What made the transport's figures unknown (replay must not read that as "none").
    transport_failure: Exception | None = field(default=None, compare=False)


def _line(error: Exception) -> str:
    """The cause and its fix when it is an expected one, else the error's first line."""
    return describe(error) or (str(error).splitlines() or [type(error).__name__])[0]


async def service_status(spec: ServiceSpec) -> ServiceStatus:
    settings = load_settings(spec.settings_cls)
    db = Database(database_url(spec.name, settings))
    transport = make_transport(settings)
    backlog, age, topics, errors = None, 0.0, [], []
    failure: Exception | None = None
    try:
        if "outbox" in spec.migrations.metadata.tables:
            backlog, age = await outbox_backlog(db, spec.migrations.metadata.tables["outbox"])
    except Exception as error:  # report it, go on with the rest
        errors.append(_line(error))
    try:
        topics = await transport.stats(spec.name, sorted(spec.subscriptions))
    except Exception as error:
        failure = error
        errors.append(describe(error) or f"{transport.name}: {_line(error)}")
    try:
        return ServiceStatus(
            spec.name, transport.name, backlog, age, topics, "; ".join(errors) or None, failure
        )
    finally:
        await transport.close()
        await db.dispose()


async def dead_letters(spec: ServiceSpec, topic: str | None) -> dict[str, int]:
    """Dead letters per topic this service consumes (Redis transport)."""
    status = await service_status(spec)
    if status.transport_failure is not None:
        raise status.transport_failure
    return {
        s.topic: s.dead_letters
        for s in status.topics
        if topic in (None, s.topic) and s.dead_letters
    }


async def replay_dead_letters(spec: ServiceSpec, topics: list[str]) -> int:
    from erp.platform.events.transports.redis_streams import RedisStreamsTransport

    transport = make_transport(load_settings(spec.settings_cls))
    try:
        if not isinstance(transport, RedisStreamsTransport):
            return 0
        return sum([await transport.replay_dead_letters(t, spec.name) for t in topics])
    finally:
        await transport.close()
