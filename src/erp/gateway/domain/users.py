"""Users: create, list, disable, set a password, authenticate."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.gateway.domain.errors import InvalidCredentials
from erp.gateway.domain.passwords import hash_password_async, verify_password_async
from erp.gateway.models import users
from erp.platform.auth import ROLES
from erp.platform.errors import Conflict, InvalidInput, NotFound


def _roles_text(roles: list[str]) -> str:
    unknown = sorted(set(roles) - set(ROLES))
    if unknown or not roles:
        raise InvalidInput("roles", f"choose one or more of: {', '.join(ROLES)}")
    return ",".join(sorted(set(roles)))


def as_dict(row: Any) -> dict[str, Any]:
    """A user row without its password hash, roles as a list."""
    data = dict(row._mapping)
    data.pop("password_hash", None)
    data["roles"] = [r for r in data["roles"].split(",") if r]
    return data


async def count_users(conn: AsyncConnection) -> int:
    return int((await conn.execute(select(func.count()).select_from(users))).scalar_one())


async def create_user(
    conn: AsyncConnection, *, username: str, password: str, roles: list[str]
) -> dict[str, Any]:
    now = datetime.now(UTC)
    values = {
        "username": username,
        "password_hash": await hash_password_async(password),
        "roles": _roles_text(roles),
        "active": True,
        "created_at": now,
        "updated_at": now,
    }
    try:
        async with conn.begin_nested():
            row = (await conn.execute(users.insert().values(**values).returning(users))).one()
    except IntegrityError:
        raise Conflict(f"user {username!r} already exists", field="username") from None
    return as_dict(row)


async def list_users(conn: AsyncConnection) -> list[dict[str, Any]]:
    rows = await conn.execute(select(users).order_by(users.c.username))
    return [as_dict(r) for r in rows]


async def get_user(conn: AsyncConnection, *, username: str) -> dict[str, Any]:
    row = (await conn.execute(select(users).where(users.c.username == username))).first()
    if row is None:
        raise NotFound(f"user {username!r} not found")
    return as_dict(row)


async def update_user(
    conn: AsyncConnection,
    *,
    username: str,
    active: bool | None = None,
    roles: list[str] | None = None,
    password: str | None = None,
) -> dict[str, Any]:
    changes: dict[str, Any] = {"updated_at": datetime.now(UTC)}
    if active is not None:
        changes["active"] = active
    if roles is not None:
        changes["roles"] = _roles_text(roles)
    if password is not None:
        changes["password_hash"] = await hash_password_async(password)
    statement = users.update().where(users.c.username == username).values(**changes)
    row = (await conn.execute(statement.returning(users))).first()
    if row is None:
        raise NotFound(f"user {username!r} not found")
    return as_dict(row)


async def authenticate(conn: AsyncConnection, *, username: str, password: str) -> dict[str, Any]:
    """The active user with this password, or InvalidCredentials (same answer for every
    failure, same time spent whether or not the user exists)."""
    row = (await conn.execute(select(users).where(users.c.username == username))).first()
    stored = row.password_hash if row is not None else None
    if not await verify_password_async(stored, password) or row is None or not row.active:
        raise InvalidCredentials()
    return as_dict(row)
