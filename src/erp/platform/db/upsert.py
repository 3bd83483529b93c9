"""INSERT ... ON CONFLICT on both databases a service may run on.

PostgreSQL and SQLite spell it the same, but SQLAlchemy builds it from each dialect's own
insert construct; this is the one place that picks it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeAlias

from sqlalchemy import Column, ColumnElement, Table, case
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.base import ReadOnlyColumnCollection
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import KeyedColumnElement

# The row proposed for insertion, `excluded.<column>` in SQL.
Excluded: TypeAlias = ReadOnlyColumnCollection[str, KeyedColumnElement[Any]]
Assignments: TypeAlias = Mapping[str, Any] | Callable[[Excluded], Mapping[str, Any]]
Condition: TypeAlias = ColumnElement[bool] | Callable[[Excluded], ColumnElement[bool]]


def dialect_insert(dialect: Dialect, table: Table) -> postgresql.Insert | sqlite.Insert:
    """The dialect's own INSERT construct: the one with `on_conflict_do_*` and `excluded`."""
    if dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def upsert(
    dialect: Dialect,
    table: Table,
    values: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
    *,
    conflict: Sequence[str | Column[Any]] | None = None,
    set_: Assignments | None = None,
    where: Condition | None = None,
) -> Insert:
    """INSERT `values` ON CONFLICT (`conflict`) DO UPDATE SET `set_` [WHERE `where`], or
    DO NOTHING when there is no `set_` (then `conflict` may be left out: any conflict).

    `set_` and `where` (which only goes with `set_`) may be functions of the proposed row, for
    updates that refer to it.
    Without `values`, the rows go to `execute` (one statement, many parameter sets).
    """
    statement = dialect_insert(dialect, table)
    if values is not None:
        statement = statement.values(values)
    if set_ is None:
        if where is not None:
            raise ValueError("a WHERE condition needs a DO UPDATE (set_)")
        return statement.on_conflict_do_nothing(index_elements=conflict)
    proposed = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=conflict,
        set_=set_(proposed) if callable(set_) else set_,
        where=where(proposed) if callable(where) else where,
    )


def prefer_proposed(
    when: ColumnElement[bool],
    proposed: ReadOnlyColumnCollection[str, Any],
    stored: ReadOnlyColumnCollection[str, Any],
    names: Iterable[str],
) -> dict[str, Any]:
    """Assignments that take each named column from the proposed row where `when` holds and
    keep the stored value elsewhere (the newer of two versions wins, whatever arrives first)."""
    return {name: case((when, proposed[name]), else_=stored[name]) for name in names}


async def increment(conn: AsyncConnection, counter: Column[int], key: Mapping[str, Any]) -> int:
    """Add one to `counter` in the row with `key` (a new row starts at 1) and return it. The row
    stays locked until commit, which orders the transactions that count on the same key."""
    statement = upsert(
        conn.dialect,
        counter.table,
        {**key, counter.name: 1},
        conflict=list(key),
        set_={counter.name: counter + 1},
    ).returning(counter)
    return int((await conn.execute(statement)).scalar_one())
