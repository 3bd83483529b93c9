"""How values travel in an event's `data`, and the `Record` base every payload class shares.

Money and quantities are decimal strings (a JSON number would lose digits), days ISO dates,
moments ISO 8601 timestamps with a zone. Parsers refuse what they cannot read: the consumer's
handler raises, and the backbone retries, then dead-letters, rather than apply a guess.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import typing
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, Self, overload

Data = dict[str, Any]


class Record:
    """A frozen dataclass that travels as a JSON object: one key per field, in field order, each
    sent and read as its type hint says (see `_KINDS`; `tuple[SomeRecord, ...]` is a list of
    objects, `X | None` may be null or absent). A subclass declares only what differs."""

    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]  # subclasses: dataclasses

    WIRE_KEYS: ClassVar[Mapping[str, str]] = {}
    """field → its key on the wire, where the two differ."""
    SENT_AFTER: ClassVar[Mapping[str, str]] = {}
    """property → the field it follows on the wire: derived keys sent for readers, not parsed."""
    ROW_KEYS: ClassVar[Mapping[str, str]] = {}
    """field → its key in the publisher's row (`from_row`), where not its key on the wire."""
    OMITTED_WHEN_NULL: ClassVar[tuple[str, ...]] = ()
    """Fields added after the payload first travelled: sent only when set, so an event without
    them is byte for byte what it always was."""

    def to_data(self) -> Data:
        """The JSON-ready `data` the publisher writes to its outbox."""
        data: Data = {}
        for f in _fields(type(self)):
            value = getattr(self, f.name)
            if value is not None:
                data[f.key] = f.send(value)
            elif f.name not in self.OMITTED_WHEN_NULL:
                data[f.key] = None
            for prop, after in self.SENT_AFTER.items():
                if after == f.name:
                    data[prop] = getattr(self, prop)
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any], prefix: str = "") -> Self:
        """Parse a received `data`; a key whose value may be null may also be absent. Errors
        name the key, after `prefix` (`lines.` in a line)."""
        if not isinstance(data, Mapping):
            raise ValueError(f"{prefix or 'data'}: expected an object, got {data!r}")
        return cls(**{f.name: f.read(data, prefix) for f in _fields(cls)})

    @classmethod
    def from_row(cls, row: Mapping[str, Any], **overrides: Any) -> Self:
        """Build from a publisher's row (other keys ignored): each field not in `overrides`
        from its row key (an optional one may be missing), nested records from the row's list
        of rows."""
        values = {}
        for f in _fields(cls):
            if f.name not in overrides:
                key = cls.ROW_KEYS.get(f.name, f.key)
                value = row.get(key) if f.optional else row[key]
                if f.item is not None and value is not None:
                    value = tuple(map(f.item.from_row, value))
                values[f.name] = value
        return cls(**values, **overrides)


class Payload(Record):
    """The `data` of one topic's events: built by its publisher, parsed by its consumers."""

    TOPIC: ClassVar[str]


class MissingValue(KeyError, ValueError):
    """A required key that is absent or null: a `ValueError` naming it, still the `KeyError`
    an absent key always was."""

    def __str__(self) -> str:
        return f"{self.args[0]}: missing or null"


def decimal(value: Any, name: str) -> Decimal:
    if value is None or isinstance(value, bool | float):
        raise ValueError(f"{name}: expected a decimal string, got {value!r}")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{name}: not a number: {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"{name}: not a finite number")
    return number


def decimal_or_none(value: Any, name: str) -> Decimal | None:
    return None if value is None else decimal(value, name)


def moment(value: Any, name: str) -> dt.datetime:
    """A timestamp with a zone, in UTC (so `.date()` is the UTC day)."""
    try:
        parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{name}: not an ISO timestamp: {value!r}") from None
    if parsed.tzinfo is None:
        raise ValueError(f"{name}: timestamp without a zone")
    return parsed.astimezone(dt.UTC)


def day(value: Any, name: str) -> dt.date:
    """An ISO date; a full timestamp stands for its UTC day."""
    iso = str(value)
    if len(iso) != 10:
        return moment(iso, name).date()
    try:
        return dt.date.fromisoformat(iso)
    except ValueError:
        raise ValueError(f"{name}: not an ISO date: {value!r}") from None


def integer(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected an integer, got {value!r}") from None


def boolean(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{name}: expected true or false, got {value!r}")
    return value


def text(value: Any, name: str) -> str:
    """Any value but null reads as its text, as it always has."""
    return str(value)


@overload
def out(value: Decimal | dt.date) -> str: ...
@overload
def out(value: Decimal | dt.date | None) -> str | None: ...
def out(value: Decimal | dt.date | None) -> str | None:
    """A decimal, day or moment as it travels (`datetime` is a `date`)."""
    if value is None:
        return None
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _as_is(value: Any) -> Any:
    return value


# A field's type hint → how its value is sent (not null) and read (not null, for the key named).
_KINDS: dict[Any, tuple[Callable[[Any], Any], Callable[[Any, str], Any]]] = {
    bool: (_as_is, boolean),
    int: (_as_is, integer),
    str: (_as_is, text),
    Decimal: (out, decimal),
    dt.date: (out, day),
    dt.datetime: (out, moment),
}


@dataclasses.dataclass(frozen=True)
class _Field:
    name: str  # the attribute
    key: str  # on the wire
    optional: bool  # `X | None`
    send: Callable[[Any], Any]
    parse: Callable[[Any, str], Any]
    item: type[Record] | None = None  # `tuple[item, ...]`

    def read(self, data: Mapping[str, Any], prefix: str) -> Any:
        value = data.get(self.key)
        if value is not None:
            return self.parse(value, prefix + self.key)
        if self.optional:
            return None
        raise MissingValue(prefix + self.key)


_FIELDS: dict[type[Record], tuple[_Field, ...]] = {}


def _fields(cls: type[Record]) -> tuple[_Field, ...]:
    """How each of a record class's fields travels, worked out once from its type hints."""
    if cls not in _FIELDS:
        hints = typing.get_type_hints(cls)
        _FIELDS[cls] = tuple(_field(cls, f.name, hints[f.name]) for f in dataclasses.fields(cls))
    return _FIELDS[cls]


def _field(cls: type[Record], name: str, hint: Any) -> _Field:
    key = cls.WIRE_KEYS.get(name, name)
    optional = type(None) in typing.get_args(hint)
    if optional:
        (hint,) = (arg for arg in typing.get_args(hint) if arg is not type(None))
    if typing.get_origin(hint) is tuple:
        item: type[Record] = typing.get_args(hint)[0]

        def send_all(records: tuple[Record, ...]) -> list[Data]:
            return [record.to_data() for record in records]

        def parse_all(value: Any, name: str) -> tuple[Record, ...]:
            if not isinstance(value, list | tuple):
                raise ValueError(f"{name}: expected a list, got {value!r}")
            return tuple(item.from_data(data, f"{name}.") for data in value)

        return _Field(name, key, optional, send_all, parse_all, item)
    if hint not in _KINDS:
        raise TypeError(f"{cls.__name__}.{name}: no wire form for {hint!r}")
    return _Field(name, key, optional, *_KINDS[hint])
