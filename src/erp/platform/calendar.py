"""Business days: today in the company's time zone, and what `as_of` means in every service.

Documents (movements, entries, invoices, payments) count on a business day, their posting
date; `posted_at` is the instant they were written. `as_of` is read the same way everywhere:

- a date (`2026-12-07`) includes that whole day: everything dated on or before it;
- a timestamp (`2026-12-07T12:00:00+01:00`, a zone-less one is UTC) is that instant:
  everything dated before its day in the company's zone, and of its day what was posted at
  or before it.

The zone is `ERP_COMPANY_TIMEZONE` (an IANA name, UTC by default), set once at start-up by
`use_zone`; the embedded system's services share it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Depends, Query
from sqlalchemy import ColumnElement, and_, or_

from erp.platform.errors import InvalidInput

UTC_ZONE = ZoneInfo("UTC")
_zone: ZoneInfo = UTC_ZONE


def zone_named(name: str) -> ZoneInfo:
    """The IANA zone `name`; ValueError naming it when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r}: use an IANA name like Europe/Berlin"
        ) from None


def use_zone(name: str) -> None:
    """Make `name` the company's zone for this process."""
    global _zone
    _zone = zone_named(name)


def company_zone() -> ZoneInfo:
    return _zone


def today() -> dt.date:
    """Today in the company's zone: the posting date of a document given none."""
    return dt.datetime.now(_zone).date()


def day_of(moment: dt.datetime) -> dt.date:
    """The business day an instant falls on, in the company's zone."""
    return moment.astimezone(_zone).date()


@dataclass(frozen=True)
class AsOf:
    """A point in business time: the end of `day`, or the exact `instant` within it."""

    day: dt.date
    instant: dt.datetime | None = None  # UTC; None: the whole day

    @classmethod
    def of_day(cls, day: dt.date) -> AsOf:
        return cls(day)

    @classmethod
    def now(cls) -> AsOf:
        return cls.at(dt.datetime.now(dt.UTC))

    @classmethod
    def at(cls, instant: dt.datetime) -> AsOf:
        """An instant; a zone-less one is UTC."""
        if instant.tzinfo is None:
            instant = instant.replace(tzinfo=dt.UTC)
        instant = instant.astimezone(dt.UTC)
        return cls(day_of(instant), instant)

    @classmethod
    def parse(cls, text: str, field: str = "as_of") -> AsOf:
        """A date or an RFC 3339 timestamp; 422 naming `field` otherwise."""
        value = text.strip()
        try:
            if len(value) == 10:
                return cls.of_day(dt.date.fromisoformat(value))
            return cls.at(dt.datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            raise InvalidInput(
                field, f"must be a date (2026-12-07) or an RFC 3339 timestamp, got {text!r}"
            ) from None

    def covers(self, day: dt.date, posted_at: dt.datetime | None = None) -> bool:
        """Whether a document dated `day`, written at `posted_at`, counts at this point."""
        if day != self.day:
            return day < self.day
        if self.instant is None or posted_at is None:
            return True
        if posted_at.tzinfo is None:
            posted_at = posted_at.replace(tzinfo=dt.UTC)
        return posted_at <= self.instant

    def includes(self, day: Any, posted_at: Any) -> ColumnElement[bool]:
        """The SQL form of `covers` for a date column and a timestamp column."""
        if self.instant is None:
            return day <= self.day
        return or_(day < self.day, and_(day == self.day, posted_at <= self.instant))

    def __str__(self) -> str:
        return self.day.isoformat() if self.instant is None else self.instant.isoformat()


def _as_of_query(
    as_of: Annotated[
        str | None,
        Query(
            description=(
                "A date (the end of that day) or an RFC 3339 timestamp (that instant; "
                "UTC without a zone). Now when omitted."
            ),
            examples=["2026-11-30", "2026-11-30T17:00:00+01:00"],
            max_length=40,
        ),
    ] = None,
) -> AsOf | None:
    return None if as_of is None else AsOf.parse(as_of)


# `as_of` as a query parameter: None when omitted.
AsOfQuery = Annotated[AsOf | None, Depends(_as_of_query)]
