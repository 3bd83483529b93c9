"""Customers and suppliers: their codes, terms and credit limits, and what documents ask of
them (the party a code names, the day a document falls due)."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.contracts.finance import PartyChanged
from erp.finance.domain.money import exact, minor_unit
from erp.finance.domain.publish import publish
from erp.finance.models import parties
from erp.finance.schemas.parties import PartyCreate, PartyUpdate
from erp.platform.errors import Conflict, InvalidInput, NotFound
from erp.platform.listing import Position, rows_after

HIDDEN = ("code_key", "created_by")


def due_date(day: dt.date, *, terms_days: int, terms_basis: str) -> dt.date:
    """`net`: `terms_days` after the document date; `eom`: after the last day of its month."""
    if terms_basis == "eom":
        day = day.replace(day=calendar.monthrange(day.year, day.month)[1])
    return day + dt.timedelta(days=terms_days)


def terms_due(party: Any, day: dt.date) -> dt.date:
    """When a document of `party` dated `day` falls due under its terms."""
    return due_date(day, terms_days=party.terms_days, terms_basis=party.terms_basis)


def present(row: Any) -> dict[str, Any]:
    return {k: v for k, v in row._mapping.items() if k not in HIDDEN}


def _by_code(kind: str, code: str) -> Any:
    """The party `code` names: its own code first, else the one equal but for case."""
    exact_first = (parties.c.code != code).asc()  # False (the exact code) sorts first
    return (
        select(parties)
        .where(parties.c.kind == kind, parties.c.code_key == code.lower())
        .order_by(exact_first)
        .limit(1)
    )


async def get_party(conn: AsyncConnection, *, kind: str, code: str) -> dict[str, Any]:
    row = (await conn.execute(_by_code(kind, code))).first()
    if row is None:
        raise NotFound(f"{kind} {code!r} not found")
    return present(row)


async def party_for(
    conn: AsyncConnection, *, kind: str, code: str, field: str, lock: bool = False
) -> Any:
    """The active party a document names, for `field`: unknown or inactive is a 422 naming it.
    `lock` holds its row until COMMIT (a credit check reads against it)."""
    statement = _by_code(kind, code)
    row = (await conn.execute(statement.with_for_update() if lock else statement)).first()
    if row is None:
        raise InvalidInput(field, f"unknown {kind} {code!r}")
    if not row.active:
        raise InvalidInput(field, f"{kind} {row.code!r} is inactive")
    return row


def _checked(kind: str, values: dict[str, Any], base_currency: str | None = None) -> None:
    if values.get("currency") is not None:
        minor_unit(values["currency"])
    if values.get("credit_limit") is not None:
        if kind != "customer":
            raise InvalidInput("credit_limit", "only customers have a credit limit")
        if base_currency:
            exact(values["credit_limit"], base_currency, field="credit_limit")


async def create_party(
    conn: AsyncConnection, *, kind: str, data: PartyCreate, user: str, base_currency: str
) -> dict[str, Any]:
    values = data.model_dump()
    _checked(kind, values, base_currency)
    taken = (
        await conn.execute(
            select(parties.c.code).where(
                parties.c.kind == kind, parties.c.code_key == data.code.lower()
            )
        )
    ).first()
    if taken is not None:
        raise Conflict(f"{kind} {taken.code!r} already exists", field="code")
    now = dt.datetime.now(dt.UTC)
    row_values = {**values, "kind": kind, "code_key": data.code.lower(), "created_at": now,
                  "created_by": user, "updated_at": now}  # fmt: skip
    try:
        async with conn.begin_nested():
            row = (
                await conn.execute(parties.insert().values(**row_values).returning(parties))
            ).one()
    except IntegrityError:  # a concurrent create of the same code
        raise Conflict(f"{kind} {data.code!r} already exists", field="code") from None
    party = present(row)
    await publish(conn, f"party/{kind}/{party['code']}", PartyChanged.from_row(party))
    return party


async def update_party(
    conn: AsyncConnection,
    *,
    kind: str,
    code: str,
    data: PartyUpdate,
    base_currency: str,
) -> dict[str, Any]:
    current = await get_party(conn, kind=kind, code=code)
    changes = data.model_dump(exclude_unset=True)
    for name in ("name", "terms_days", "terms_basis", "active"):
        if name in changes and changes[name] is None:
            raise InvalidInput(name, "may be left out but not null")
    _checked(kind, changes, base_currency)
    if not changes:
        return current
    changes["updated_at"] = dt.datetime.now(dt.UTC)
    statement = (
        parties.update()
        .where(parties.c.kind == kind, parties.c.code == current["code"])
        .values(**changes)
        .returning(parties)
    )
    party = present((await conn.execute(statement)).one())
    await publish(conn, f"party/{kind}/{party['code']}", PartyChanged.from_row(party))
    return party


async def list_parties(
    conn: AsyncConnection,
    *,
    kind: str,
    after: Position | None,
    limit: int,
    search: str | None,
    active: bool | None,
) -> list[dict[str, Any]]:
    """In the order they were created; `search` matches code or name, any case."""
    c = parties.c
    pattern = f"%{search.lower()}%" if search else None
    rows = await rows_after(
        conn,
        parties,
        c.id,
        after=after,
        limit=limit,
        where=(
            c.kind == kind,
            c.active == active if active is not None else None,
            or_(c.code_key.like(pattern), func.lower(c.name).like(pattern)) if pattern else None,
        ),
    )
    return [present(r) for r in rows]
