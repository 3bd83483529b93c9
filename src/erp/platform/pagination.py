"""Opaque cursors for list endpoints: `{"items": [...], "next_cursor": ...}`."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

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


def decode_cursor(cursor: str | None, *, keys: Sequence[str]) -> dict[str, Any] | None:
    """Decode a cursor made by `encode_cursor`; anything else is a 422 naming `cursor`."""
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        position = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("cursor", "not a cursor returned by this endpoint") from None
    if not isinstance(position, dict) or set(position) != set(keys):
        raise InvalidInput("cursor", "not a cursor returned by this endpoint")
    return position


def page_of(rows: list[T], limit: int, position: Callable[[T], dict[str, Any]]) -> Page[T]:
    """A page from up to `limit + 1` fetched rows: the extra row only says there is more."""
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(items=rows, next_cursor=encode_cursor(position(rows[-1])) if more else None)
