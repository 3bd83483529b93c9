"""How values travel in an event's `data`, and the shape every payload class shares.

Money and quantities are decimal strings (a JSON number would lose digits), days ISO dates,
moments ISO 8601 timestamps with a zone. Parsers refuse what they cannot read: the consumer's
handler raises, and the backbone retries, then dead-letters, rather than apply a guess.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar, Self, overload

Data = dict[str, Any]


class Payload(ABC):
    """The `data` of one topic's events: built by its publisher, parsed by its consumers."""

    TOPIC: ClassVar[str]

    @abstractmethod
    def to_data(self) -> Data:
        """The JSON-ready `data` the publisher writes to its outbox."""

    @classmethod
    @abstractmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        """Parse a received `data`; a key whose value may be null may also be absent."""


def decimal(value: Any, name: str) -> Decimal:
    if value is None or isinstance(value, bool | float):
        raise ValueError(f"{name}: expected a decimal string, got {value!r}")
    number = Decimal(str(value))
    if not number.is_finite():
        raise ValueError(f"{name}: not a finite number")
    return number


def decimal_or_none(value: Any, name: str) -> Decimal | None:
    return None if value is None else decimal(value, name)


def moment(value: Any, name: str) -> dt.datetime:
    """A timestamp with a zone, in UTC (so `.date()` is the UTC day)."""
    parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"{name}: timestamp without a zone")
    return parsed.astimezone(dt.UTC)


def moment_or_none(value: Any, name: str) -> dt.datetime | None:
    return None if value is None else moment(value, name)


def day(value: Any, name: str) -> dt.date:
    """An ISO date; a full timestamp stands for its UTC day."""
    text = str(value)
    if len(text) == 10:
        return dt.date.fromisoformat(text)
    return moment(text, name).date()


def int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


@overload
def out(value: Decimal | dt.date) -> str: ...
@overload
def out(value: Decimal | dt.date | None) -> str | None: ...
def out(value: Decimal | dt.date | None) -> str | None:
    """A decimal, day or moment as it travels (`datetime` is a `date`)."""
    if value is None:
        return None
    return value.isoformat() if isinstance(value, dt.date) else str(value)
