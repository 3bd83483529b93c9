"""Gateway tables: users, refresh tokens (hashed) and revoked access-token ids."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, MetaData, String, Table

from erp.platform.db.tables import BigId, add_platform_tables, id_column, timestamp_column

metadata = MetaData()
add_platform_tables(metadata)

users = Table(
    "users",
    metadata,
    id_column(),
    Column("username", String(100), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
    # Comma-separated role names, validated against erp.platform.auth.ROLES on write.
    Column("roles", String(200), nullable=False),
    Column("active", Boolean, nullable=False),
    timestamp_column("created_at"),
    timestamp_column("updated_at"),
)

# A refresh token is shown to the client once; only its SHA-256 is kept.
refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    id_column(),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", BigId, ForeignKey("users.id"), nullable=False),
    timestamp_column("created_at"),
    timestamp_column("expires_at"),
    timestamp_column("revoked_at", nullable=True),
    Index("ix_refresh_tokens_user", "user_id"),
)

# Access tokens revoked before their expiry (logout); read by the edge when there is no Redis.
revoked_tokens = Table(
    "revoked_tokens",
    metadata,
    Column("jti", String(64), primary_key=True),
    timestamp_column("expires_at"),
    Index("ix_revoked_tokens_expires_at", "expires_at"),
)
