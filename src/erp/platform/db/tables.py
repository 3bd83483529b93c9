"""Tables every service database holds besides its own: idempotency keys, outbox, inbox."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from erp.platform.db.types import UTCDateTime

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a real BIGINT.
BigId = BigInteger().with_variant(Integer(), "sqlite")
MAX_ID = 2**63 - 1  # the largest BIGINT (and SQLite INTEGER): a larger number names no row


def add_platform_tables(metadata: MetaData) -> None:
    """Declare the shared tables on a service's metadata (each service has its own copy)."""
    Table(
        "idempotency_keys",
        metadata,
        Column("principal", String(100), primary_key=True),
        Column("key", String(200), primary_key=True),
        Column("request_hash", String(64), nullable=False),
        Column("status_code", Integer, nullable=False),
        Column("response_body", Text, nullable=False),
        Column("created_at", UTCDateTime(), nullable=False),
    )
    Table(
        "outbox",
        metadata,
        Column("id", BigId, primary_key=True, autoincrement=True),
        Column("event_id", String(64), nullable=False, unique=True),
        Column("topic", String(120), nullable=False),
        Column("subject", String(200), nullable=False),
        Column("sequence", BigInteger, nullable=False),
        Column("payload", Text, nullable=False),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("published_at", UTCDateTime(), nullable=True),
        Index("ix_outbox_unpublished", "published_at", "id"),
    )
    Table(
        "outbox_sequences",
        metadata,
        Column("subject", String(200), primary_key=True),
        Column("last_sequence", BigInteger, nullable=False),
    )
    Table(
        "inbox",
        metadata,
        Column("consumer", String(120), primary_key=True),
        Column("event_id", String(64), primary_key=True),
        Column("topic", String(120), nullable=False),
        Column("subject", String(200), nullable=False),
        Column("sequence", BigInteger, nullable=False),
        Column("handled_at", UTCDateTime(), nullable=False),
    )
