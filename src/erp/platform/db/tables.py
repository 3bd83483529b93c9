"""Tables every service database holds besides its own (idempotency keys, outbox, inbox), and
the column shapes the services' tables share."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

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

from erp.platform.db.types import MONEY, QUANTITY, UTCDateTime

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a real BIGINT.
BigId = BigInteger().with_variant(Integer(), "sqlite")
MAX_ID = 2**63 - 1  # the largest BIGINT (and SQLite INTEGER): a larger number names no row


def id_column() -> Column[int]:
    """The row id a table generates itself."""
    return Column("id", BigId, primary_key=True, autoincrement=True)


def timestamp_column(name: str, *, nullable: bool = False) -> Column[datetime]:
    return Column(name, UTCDateTime(), nullable=nullable)


def money_column(name: str, *, nullable: bool = False) -> Column[Decimal]:
    return Column(name, MONEY, nullable=nullable)


def quantity_column(name: str) -> Column[Decimal]:
    return Column(name, QUANTITY, nullable=False)


def event_columns() -> list[Column[Any]]:
    """Where an event stands, as every table that keeps events records it."""
    return [
        Column("topic", String(120), nullable=False),
        Column("subject", String(200), nullable=False),
        Column("sequence", BigInteger, nullable=False),
    ]


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
        timestamp_column("created_at"),
    )
    Table(
        "outbox",
        metadata,
        id_column(),
        Column("event_id", String(64), nullable=False, unique=True),
        *event_columns(),
        Column("payload", Text, nullable=False),
        timestamp_column("created_at"),
        timestamp_column("published_at", nullable=True),
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
        *event_columns(),
        timestamp_column("handled_at"),
    )
