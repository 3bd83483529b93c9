"""Reading rows back for list and detail endpoints: a keyset page of one table, and documents
kept as a header row with numbered lines in a second table (invoices, journal entries, stock
movements), loaded whole."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, ColumnElement, Row, Table, select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.platform.errors import NotFound

Position = Mapping[str, Any]


async def rows_after(
    conn: AsyncConnection,
    table: Table,
    key: Column[Any],
    *,
    after: Position | None,
    limit: int,
    descending: bool = False,
    where: Iterable[ColumnElement[bool] | None] = (),
) -> Sequence[Row[Any]]:
    """Up to `limit` rows of `table` in `key` order that come after `after[key.name]` (the last
    row of the previous page) and meet every condition of `where`; a None condition, a filter
    the caller was not given, is left out."""
    statement = select(table).order_by(key.desc() if descending else key).limit(limit)
    if after is not None:
        statement = statement.where(key < after[key.name] if descending else key > after[key.name])
    statement = statement.where(*(condition for condition in where if condition is not None))
    return (await conn.execute(statement)).all()


@dataclass(frozen=True)
class Documents:
    """Header rows of `headers`, each with its rows of `lines` (whose `owner` column holds the
    header's id) in `line_order`, shown as `line_fields`."""

    noun: str  # names the document in a 404
    headers: Table
    lines: Table
    owner: str
    line_fields: tuple[str, ...]
    line_order: str = "line_no"
    # The header column linking a reversal to the document it reverses: each document then
    # also shows `reversed_by`, the id of its reversal or null.
    reverses: str | None = None
    hidden: tuple[str, ...] = ()  # header columns kept internal

    async def load(self, conn: AsyncConnection, rows: Sequence[Row[Any]]) -> list[dict[str, Any]]:
        """The documents of these header rows, in their order; two queries whatever the count."""
        if not rows:
            return []
        ids = [r.id for r in rows]
        lines: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
        owner = self.lines.c[self.owner]
        statement = (
            select(self.lines).where(owner.in_(ids)).order_by(owner, self.lines.c[self.line_order])
        )
        for ln in await conn.execute(statement):
            found = ln._mapping
            lines[found[self.owner]].append({f: found[f] for f in self.line_fields})
        reversed_by: dict[int, int] = {}
        if self.reverses is not None:
            reverses, own_id = self.headers.c[self.reverses], self.headers.c.id
            pairs = await conn.execute(select(reverses, own_id).where(reverses.in_(ids)))
            reversed_by = dict(pairs.tuples().all())
        documents = []
        for r in rows:
            data = {k: v for k, v in r._mapping.items() if k not in self.hidden}
            data["lines"] = lines[r.id]
            if self.reverses is not None:
                data["reversed_by"] = reversed_by.get(r.id)
            documents.append(data)
        return documents

    async def line_rows(self, conn: AsyncConnection, document_id: int) -> Sequence[Row[Any]]:
        """The rows of one document's lines, in order, every column (a reversal mirrors them)."""
        owner, order = self.lines.c[self.owner], self.lines.c[self.line_order]
        statement = select(self.lines).where(owner == document_id).order_by(order)
        return (await conn.execute(statement)).all()

    async def get(self, conn: AsyncConnection, document_id: int) -> dict[str, Any]:
        """One document; a 404 naming it when there is none."""
        statement = select(self.headers).where(self.headers.c.id == document_id)
        row = (await conn.execute(statement)).first()
        if row is None:
            raise NotFound(f"{self.noun} {document_id} not found")
        return (await self.load(conn, [row]))[0]

    async def newest_first(
        self,
        conn: AsyncConnection,
        *,
        after: Position | None,
        limit: int,
        where: Iterable[ColumnElement[bool] | None] = (),
    ) -> list[dict[str, Any]]:
        """A page of documents, highest id first, that meet `where` (see `rows_after`)."""
        key = self.headers.c.id
        rows = await rows_after(
            conn, self.headers, key, after=after, limit=limit, descending=True, where=where
        )
        return await self.load(conn, rows)
