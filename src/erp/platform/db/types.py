"""Column types that behave the same on PostgreSQL and SQLite.

SQLite has no exact decimal type (NUMERIC there is a float), so decimals are stored as scaled
integers on SQLite and as NUMERIC on PostgreSQL; SUM() stays exact on both. Timestamps are
timezone-aware UTC on the Python side everywhere.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, Numeric
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine


class ScaledDecimal(TypeDecorator[Decimal]):
    """An exact decimal with `scale` places: NUMERIC(precision, scale) or a scaled BIGINT."""

    impl = Numeric
    cache_ok = True

    def __init__(self, scale: int, precision: int = 20) -> None:
        super().__init__()
        self.scale = scale
        self.precision = precision
        self._quantum = Decimal(1).scaleb(-scale)

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        exact = Decimal(value).quantize(self._quantum)
        if dialect.name == "sqlite":
            return int(exact.scaleb(self.scale))
        return exact

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return Decimal(int(value)).scaleb(-self.scale).quantize(self._quantum)
        return Decimal(value).quantize(self._quantum)


# The exact kinds more than one service stores: an event carries them from one service's tables
# into another's, so each has its places defined once.
QUANTITY = ScaledDecimal(4, 18)
UNIT_PRICE = ScaledDecimal(4, 18)
RATE = ScaledDecimal(8, 24)  # base-currency units per one unit of another currency
# Amounts are quantised to their currency's minor unit (0-3 places) before they are stored;
# four places hold every ISO 4217 currency exactly.
MONEY = ScaledDecimal(4, 24)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps in UTC; naive values are refused so no local time sneaks in."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC")
        value = value.astimezone(UTC)
        # SQLite keeps text: store naive UTC so string order equals time order.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
