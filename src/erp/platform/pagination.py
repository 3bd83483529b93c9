"""Opaque cursors for list endpoints: `{"items": [...], "next_cursor": ...}`."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel, Field

from erp.platform.db.tables import MAX_ID
from erp.platform.errors import InvalidInput

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
MAX_LIMIT = 500
DEFAULT_LIMIT = 50
BY_ID: Mapping[str, type] = {"id": int}


class Fetch(Protocol):
    """Rows after a position (a decoded cursor, None for the first page), `limit` at most."""

    def __call__(self, *, after: dict[str, Any] | None, limit: int) -> Awaitable[Iterable[Any]]: ...


class Page(BaseModel, Generic[T]):
    items: list[T] = Field(description="This page, in the endpoint's order.")
    next_cursor: str | None = Field(
        None,
        description="Pass as `cursor` for the next page; null on the last page.",
        examples=["eyJpZCI6NDJ9"],
    )


def encode_cursor(position: dict[str, Any]) -> str:
    raw = json.dumps(position, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _fits(kind: type, value: Any) -> bool:
    """Whether a decoded cursor value has the shape `encode_cursor` gives a `kind`."""
    if kind is int:
        return type(value) is int and 0 <= value <= MAX_ID
    if not isinstance(value, str) or len(value) > 1000:
        return False
    try:
        if kind is dt.date:
            dt.date.fromisoformat(value)
        elif kind is Decimal:
            return Decimal(value).is_finite()
    except (ValueError, InvalidOperation):
        return False
    return kind in (str, dt.date)


def decode_cursor(cursor: str | None, *, fields: Mapping[str, type]) -> dict[str, Any] | None:
    """Decode a cursor made by `encode_cursor` with these fields (int, str, date or Decimal);
    anything else, a forged one included, is a 422 naming `cursor`."""
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        position = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("cursor", "not a cursor returned by this endpoint") from None
    if (
        not isinstance(position, dict)
        or set(position) != set(fields)
        or not all(_fits(kind, position[key]) for key, kind in fields.items())
    ):
        raise InvalidInput("cursor", "not a cursor returned by this endpoint")
    return position


def page_of(rows: list[T], limit: int, position: Callable[[T], dict[str, Any]]) -> Page[T]:
    """A page from up to `limit + 1` fetched rows: the extra row only says there is more."""
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(items=rows, next_cursor=encode_cursor(position(rows[-1])) if more else None)


@dataclass(frozen=True)
class PageRequest:
    """What a client asks of a list endpoint: a page size and where to continue."""

    limit: int
    cursor: str | None

    async def of(self, read: type[M], fetch: Fetch, *, key: Mapping[str, type] = BY_ID) -> Page[M]:
        """The page `fetch` returns after the cursor, each row read as `read`; the next cursor
        holds the `key` fields of the page's last item."""
        position = decode_cursor(self.cursor, fields=key)
        rows = await fetch(after=position, limit=self.limit + 1)
        items = [read.model_validate(row, from_attributes=True) for row in rows]
        return page_of(items, self.limit, lambda item: {name: getattr(item, name) for name in key})
