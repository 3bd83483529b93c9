"""State-changing POSTs: one transaction, and an `Idempotency-Key` makes a retry return the
first answer.

The key row is written in the same transaction as the effect, so a crash can never leave an
effect without its key (or a key without its effect). Two concurrent requests with one key
race on the primary key: the loser rolls back its whole effect and replays the winner's answer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import cache
from typing import Any

from fastapi import Request
from sqlalchemy import Insert, Select, Table, and_, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.responses import Response

from erp.platform.auth import Principal
from erp.platform.db import Database
from erp.platform.errors import InvalidInput
from erp.platform.events.outbox import insert_with_events

HEADER = "idempotency-key"
MAX_KEY_LENGTH = 200


def _key_from(request: Request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidInput("Idempotency-Key", f"must be 1-{MAX_KEY_LENGTH} printable characters")
    return key


async def _request_hash(request: Request) -> str:
    digest = hashlib.sha256(f"{request.method} {request.url.path}\n".encode())
    digest.update(await request.body())
    return digest.hexdigest()


def _json_response(status_code: int, body: str, *, replayed: bool = False) -> Response:
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    return Response(body, status_code=status_code, media_type="application/json", headers=headers)


@cache
def _lookup(keys: Table) -> Select[Any]:
    """Built once per table: a statement executed again keeps its cache key."""
    c = keys.c
    return select(keys).where(and_(c.principal == bindparam("p"), c.key == bindparam("k")))


@cache
def _insert(keys: Table) -> Insert:
    return keys.insert()


async def _stored(conn: AsyncConnection, keys: Table, principal: str, key: str) -> Any:
    result = await conn.execute(_lookup(keys), {"p": principal, "k": key})
    return result.first()


def _replay_or_refuse(row: Any, request_hash: str) -> Response:
    if row.request_hash != request_hash:
        raise InvalidInput("Idempotency-Key", "already used with a different request body or path")
    return _json_response(row.status_code, row.response_body, replayed=True)


async def run_command(
    request: Request,
    db: Database,
    keys: Table,
    principal: Principal,
    work: Callable[[AsyncConnection], Awaitable[str]],
    *,
    status_code: int = 201,
) -> Response:
    """Run `work` in one write transaction and answer with the JSON document it renders; under
    an `Idempotency-Key` that same text is kept, and a retry is answered with it unchanged."""
    key = _key_from(request)
    request_hash = await _request_hash(request) if key else ""

    async def transaction(conn: AsyncConnection) -> Response:
        if key:
            row = await _stored(conn, keys, principal.username, key)
            if row is not None:
                return _replay_or_refuse(row, request_hash)
        body = await work(conn)
        if key:
            row = {
                "principal": principal.username,
                "key": key,
                "request_hash": request_hash,
                "status_code": status_code,
                "response_body": body,
                "created_at": datetime.now(UTC),
            }
            # Written with the change's events when it has any: one round trip fewer.
            if not insert_with_events(conn, keys, row):
                await conn.execute(_insert(keys), row)
        return _json_response(status_code, body)

    try:
        return await db.run(transaction)
    except IntegrityError:
        if not key:
            raise
        # Lost the race for this key: our effect rolled back; answer as the winner did.
        async with db.read() as conn:
            row = await _stored(conn, keys, principal.username, key)
        if row is None:
            raise
        return _replay_or_refuse(row, request_hash)
