"""Transports behind one interface, chosen by ERP_EVENT_TRANSPORT."""

from __future__ import annotations

from erp.platform.events.transports.base import OutboxMessage, TopicStats, Transport
from erp.platform.settings import ServiceSettings


def make_transport(settings: ServiceSettings) -> Transport:
    """The transport the settings name (imports only what that transport needs)."""
    if settings.event_transport == "redis":
        from erp.platform.events.transports.redis_streams import RedisStreamsTransport

        assert settings.redis_url  # the settings validator requires it
        return RedisStreamsTransport(
            url=settings.redis_url,
            prefix=settings.event_stream_prefix,
            maxlen=settings.event_stream_maxlen,
            max_attempts=settings.event_max_attempts,
            backoff_seconds=settings.event_retry_backoff_seconds,
            reclaim_idle_seconds=settings.event_reclaim_idle_seconds,
            batch=settings.event_consumer_batch,
        )
    if settings.event_transport == "dapr":
        from erp.platform.events.transports.dapr import DaprTransport

        return DaprTransport(pubsub=settings.dapr_pubsub_name, http_port=settings.dapr_http_port)
    from erp.platform.events.transports.inprocess import InProcessTransport

    return InProcessTransport(
        max_attempts=settings.event_max_attempts,
        backoff_seconds=settings.event_retry_backoff_seconds,
    )


__all__ = ["OutboxMessage", "TopicStats", "Transport", "make_transport"]
