"""Opaque cursors for list endpoints: `{"items": [...], "next_cursor": ...}`."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from erp.platform.db.tables import MAX_ID
from erp.platform.errors import InvalidInput

T = TypeVar("T")
MAX_LIMIT = 500
DEFAULT_LIMIT = 50


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


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
