"""What `erp events status` and `erp events replay-dead-letters` do."""

from __future__ import annotations

from dataclasses import dataclass

from erp.platform.db import Database, normalise_url
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


async def service_status(spec: ServiceSpec) -> ServiceStatus:
    settings = load_settings(spec.settings_cls)
    url = normalise_url(settings.database_url, service=spec.name, data_dir=settings.data_dir)
    db = Database(url)
    transport = make_transport(settings)
    backlog, age, topics, errors = None, 0.0, [], []
    try:
        if "outbox" in spec.migrations.metadata.tables:
            backlog, age = await outbox_backlog(db, spec.migrations.metadata.tables["outbox"])
    except Exception as error:  # report it, go on with the rest
        errors.append(f"database: {str(error).splitlines()[0]}")
    try:
        topics = await transport.stats(spec.name, sorted(spec.subscriptions))
    except Exception as error:
        errors.append(f"{transport.name}: {str(error).splitlines()[0]}")
    try:
        return ServiceStatus(
            spec.name, transport.name, backlog, age, topics, "; ".join(errors) or None
        )
    finally:
        await transport.close()
        await db.dispose()


async def dead_letters(spec: ServiceSpec, topic: str | None) -> dict[str, int]:
    """Dead letters per topic this service consumes (Redis transport)."""
    return {
        s.topic: s.dead_letters
        for s in (await service_status(spec)).topics
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
