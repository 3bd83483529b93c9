"""Prometheus metrics of the event backbone (same registry as erp.platform.metrics)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from erp.platform.metrics import LATENCY_BUCKETS

OUTBOX_BACKLOG = Gauge("erp_outbox_backlog", "Outbox rows not yet published", ["service"])
OUTBOX_OLDEST_AGE = Gauge(
    "erp_outbox_oldest_age_seconds", "Age of the oldest unpublished outbox row", ["service"]
)
EVENTS_PUBLISHED = Counter(
    "erp_events_published", "Events the transport acknowledged", ["service", "topic"]
)
RELAY_FAILURES = Counter("erp_relay_failures", "Relay batches that failed", ["service"])
RELAY_BATCH_SECONDS = Histogram(
    "erp_relay_batch_duration_seconds",
    "Time to publish and mark one relay batch",
    ["service"],
    buckets=LATENCY_BUCKETS,
)
CONSUMER_LAG = Gauge(
    "erp_consumer_lag", "Events published but not yet delivered", ["service", "topic"]
)
CONSUMER_PENDING = Gauge(
    "erp_consumer_pending", "Events delivered but not yet acknowledged", ["service", "topic"]
)
DEAD_LETTERS = Gauge("erp_dead_letters", "Events in the dead-letter stream", ["service", "topic"])
EVENTS_HANDLED = Counter(
    "erp_events_handled", "Events handled, by outcome", ["service", "topic", "outcome"]
)
HANDLER_LATENCY = Histogram(
    "erp_event_handler_duration_seconds",
    "Time a handler took to apply one event",
    ["service", "topic"],
    buckets=LATENCY_BUCKETS,
)
