"""`erp users ...`: manage the gateway's users against its database (ERP_DATABASE_URL)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from rich.console import Console
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.gateway.domain import tokens, users
from erp.gateway.domain.passwords import check_strength
from erp.gateway.main import SPEC
from erp.platform.cli_errors import database_url
from erp.platform.db import Database
from erp.platform.errors import ProblemError
from erp.platform.settings import load_settings

T = TypeVar("T")
out, err = Console(), Console(stderr=True)


async def _in_transaction(work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
    settings = load_settings(SPEC.settings_cls)
    db = Database(database_url(SPEC.name, settings))
    try:
        async with db.transaction() as conn:
            return await work(conn)
    finally:
        await db.dispose()


async def _run(work: Callable[[AsyncConnection], Awaitable[Any]], done: str) -> int:
    try:
        await _in_transaction(work)
    except ProblemError as error:
        err.print(f"erp: {error.detail}")
        return 1
    out.print(done)
    return 0


async def create(username: str, password: str, roles: list[str]) -> int:
    check_strength(password)

    async def work(conn: AsyncConnection) -> Any:
        return await users.create_user(conn, username=username, password=password, roles=roles)

    return await _run(work, f"created user {username} ({', '.join(sorted(set(roles)))})")


async def list_all() -> int:
    rows = await _in_transaction(users.list_users)
    table = Table("username", "roles", "active", "created_at")
    for u in rows:
        table.add_row(u["username"], ",".join(u["roles"]), "yes" if u["active"] else "no",
                      u["created_at"].isoformat(timespec="seconds"))  # fmt: skip
    out.print(table)
    return 0


async def disable(username: str) -> int:
    async def work(conn: AsyncConnection) -> Any:
        user = await users.update_user(conn, username=username, active=False)
        await tokens.revoke_all_for(conn, user_id=user["id"])

    return await _run(work, f"disabled user {username}; its refresh tokens are revoked")


async def set_password(username: str, password: str) -> int:
    check_strength(password)

    async def work(conn: AsyncConnection) -> Any:
        user = await users.update_user(conn, username=username, password=password)
        await tokens.revoke_all_for(conn, user_id=user["id"])

    return await _run(work, f"new password set for {username}; its refresh tokens are revoked")
