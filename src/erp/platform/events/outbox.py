"""Write an event in the same transaction as the state change that causes it.

Each subject (aggregate) numbers its events with a counter row that stays locked until commit,
which makes the per-subject order the commit order. That lock serialises every transaction of
the subject, so the events of a `Database.transaction()` are written by one statement right
before it commits: the counter is held for that statement and the COMMIT, not for the rest of
the unit of work (on a warehouse's subject, every stock movement of the warehouse queued
behind it). Elsewhere (a bare connection) an event is written at once, as before.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import uuid
from dataclasses import asdict, dataclass, is_dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any

import structlog
from sqlalchemy import MetaData, Table, TextClause, bindparam, func, text
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.platform.db.engine import before_commit, in_transaction, transaction_state
from erp.platform.db.upsert import increment
from erp.platform.events.wakeup import NOTIFY_CHANNEL, mark_pending

_PENDING = "erp.outbox.events"
_RIDERS = "erp.outbox.riders"


def _json_value(value: Any) -> Any:
    """What json cannot encode itself. Money and quantities travel as strings
    (docs/architecture.md, "Data"), never as lossy JSON numbers."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, set | frozenset):
        return list(value)
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    dump = getattr(value, "model_dump", None)  # a pydantic model
    if dump is not None:
        return dump(mode="json")
    raise TypeError(f"cannot put {type(value).__name__} in an event")


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=_json_value)


@dataclass(frozen=True)
class _Event:
    event_id: str
    topic: str
    subject: str
    created_at: datetime
    head: str  # the envelope up to its sequence number...
    tail: str  # ...and after it: the number is known only when the counter is taken


def _tables(metadata: MetaData) -> tuple[Table, Table]:
    return metadata.tables["outbox"], metadata.tables["outbox_sequences"]


async def enqueue(
    conn: AsyncConnection, metadata: MetaData, *, source: str, topic: str, subject: str, data: Any
) -> str:
    """Add one CloudEvent to the outbox inside the caller's transaction; returns its id."""
    event_id = uuid.uuid4().hex
    now = datetime.now(UTC)
    context = structlog.contextvars.get_contextvars()
    before = {
        "specversion": "1.0",
        "id": event_id,
        "source": source,
        "type": topic,
        "subject": subject,
        "time": now.isoformat().replace("+00:00", "Z"),
        "datacontenttype": "application/json",
    }
    after = {"traceparent": context.get("traceparent"), "data": data}
    event = _Event(
        event_id, topic, subject, now, _dumps(before)[:-1] + ',"sequence":', "," + _dumps(after)[1:]
    )
    if in_transaction(conn):
        queued: list[_Event] | None = transaction_state(conn).get(_PENDING)
        if queued is None:
            queued = transaction_state(conn)[_PENDING] = []

            async def flush(conn: AsyncConnection) -> None:
                await _flush(conn, metadata, queued)

            before_commit(conn, flush)
        queued.append(event)
    else:
        await _write_each(conn, metadata, [event])
    return event_id


def insert_with_events(conn: AsyncConnection, table: Table, values: dict[str, Any]) -> bool:
    """Have the statement that writes this transaction's events right before it commits
    insert `values` into `table` as well: a row that belongs with the change (an idempotency
    key) written without a round trip of its own. Only on PostgreSQL with events queued;
    otherwise False, and the caller inserts the row itself. A failure of that insert (a
    unique key taken meanwhile) fails the statement, and so the transaction, as the caller's
    own insert would."""
    if conn.dialect.name != "postgresql" or not in_transaction(conn):
        return False
    state = transaction_state(conn)
    if not state.get(_PENDING):
        return False
    state.setdefault(_RIDERS, []).append((table, values))
    return True


async def _flush(conn: AsyncConnection, metadata: MetaData, events: list[_Event]) -> None:
    if not events:
        return
    if conn.dialect.name == "postgresql":
        await _write_all_pg(conn, metadata, events)
    else:
        await _write_each(conn, metadata, events)


async def _write_each(conn: AsyncConnection, metadata: MetaData, events: list[_Event]) -> None:
    """One counter increment and one insert per event."""
    outbox, sequences = _tables(metadata)
    for e in events:
        sequence = await increment(conn, sequences.c.last_sequence, {"subject": e.subject})
        statement = outbox.insert().values(
            event_id=e.event_id,
            topic=e.topic,
            subject=e.subject,
            sequence=sequence,
            payload=f"{e.head}{sequence}{e.tail}",
            created_at=e.created_at,
            published_at=None,
        )
        if conn.dialect.name == "postgresql":
            # NOTIFY is delivered at commit, so every replica's relay wakes; riding on the
            # insert costs no extra round trip.
            statement = statement.returning(func.pg_notify(NOTIFY_CHANNEL, ""))
        await conn.execute(statement)
    mark_pending(conn)


# Every event of the transaction in one round trip: take each subject's counter once (in
# subject order, so two transactions never wait for each other's counters crosswise), number
# the subject's events after it in the order they were queued, insert them in that order.
_WRITE_ALL = """
WITH {riders}ev AS (
  SELECT * FROM unnest(
    CAST(:ids AS TEXT[]), CAST(:topics AS TEXT[]), CAST(:subjects AS TEXT[]),
    CAST(:heads AS TEXT[]), CAST(:tails AS TEXT[]), CAST(:times AS TIMESTAMPTZ[])
  ) WITH ORDINALITY AS ev(event_id, topic, subject, head, tail, created_at, n)
),
counts AS (SELECT subject, count(*) AS taken FROM ev GROUP BY subject),
taken AS (
  INSERT INTO {sequences} (subject, last_sequence)
  SELECT subject, taken FROM counts ORDER BY subject
  ON CONFLICT (subject)
  DO UPDATE SET last_sequence = {sequences}.last_sequence + excluded.last_sequence
  RETURNING subject, last_sequence
),
numbered AS (
  SELECT ev.*, taken.last_sequence - counts.taken
         + row_number() OVER (PARTITION BY ev.subject ORDER BY ev.n) AS sequence
  FROM ev JOIN counts USING (subject) JOIN taken USING (subject)
)
INSERT INTO {outbox} (event_id, topic, subject, sequence, payload, created_at, published_at)
SELECT event_id, topic, subject, sequence, head || sequence || tail, created_at, NULL
FROM numbered ORDER BY n
RETURNING pg_notify('{channel}', '')
"""


Rider = tuple[Table, tuple[str, ...]]


@cache
def _write_all(outbox: str, sequences: str, riders: tuple[Rider, ...]) -> TextClause:
    """Built once per pair of tables and shape of riders: executed again, a statement keeps
    its cache key. Each rider (a table and the columns given) is one more data-modifying CTE
    `r<i>`, its parameters `r<i>_<column>` bound as the column's type binds them."""
    ctes, binds = [], []
    for i, (table, columns) in enumerate(riders):
        names = ", ".join(f'"{c}"' for c in columns)
        values = ", ".join(f":r{i}_{c}" for c in columns)
        ctes.append(f'r{i} AS (INSERT INTO "{table.name}" ({names}) VALUES ({values})),\n')
        binds += [bindparam(f"r{i}_{c}", type_=table.c[c].type) for c in columns]
    statement = _WRITE_ALL.format(
        riders="".join(ctes), outbox=outbox, sequences=sequences, channel=NOTIFY_CHANNEL
    )
    return text(statement).bindparams(*binds)


async def _write_all_pg(conn: AsyncConnection, metadata: MetaData, events: list[_Event]) -> None:
    outbox, sequences = _tables(metadata)
    riders: list[tuple[Table, dict[str, Any]]] = transaction_state(conn).pop(_RIDERS, [])
    shape = tuple((table, tuple(values)) for table, values in riders)
    params = {
        f"r{i}_{c}": value for i, (_, values) in enumerate(riders) for c, value in values.items()
    }
    await conn.execute(
        _write_all(outbox.name, sequences.name, shape),
        {
            "ids": [e.event_id for e in events],
            "topics": [e.topic for e in events],
            "subjects": [e.subject for e in events],
            "heads": [e.head for e in events],
            "tails": [e.tail for e in events],
            "times": [e.created_at for e in events],
            **params,
        },
    )
    mark_pending(conn)
