"""Dates and grains: how a date splits into year, month, ten-day and day buckets, and the
bounded set of buckets whose sum is a balance "as of" a date."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Table, and_
from sqlalchemy.sql.elements import ColumnElement

from erp.platform.errors import InvalidInput

EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2999, 12, 31)


def year_start(day: dt.date) -> dt.date:
    return day.replace(month=1, day=1)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def tenday_start(day: dt.date) -> dt.date:
    """Months split into three parts starting on the 1st, the 11th and the 21st (the last one
    runs to the month's end, 8 to 11 days)."""
    return day.replace(day=min(day.day - (day.day - 1) % 10, 21))


def buckets(day: dt.date) -> tuple[tuple[str, dt.date], ...]:
    """The four buckets a figure dated `day` is added to."""
    return (("y", year_start(day)), ("m", month_start(day)), ("t", tenday_start(day)), ("d", day))


def as_of_ranges(table: Table, as_of: dt.date) -> tuple[ColumnElement[bool], ...]:
    """Buckets covering exactly the days up to `as_of` (earlier years, earlier months of its
    year, earlier ten-day parts of its month and the days of its part up to it: at most
    years + 11 + 2 + 11 buckets per key), as four ranges: each is one range scan of the
    (grain, period) key, which a UNION ALL of four selects turns into four index scans
    whatever the planner thinks."""
    grain, period = table.c.grain, table.c.period
    ranges = []
    for name, first, end in as_of_spans(as_of):
        bounds = [grain == name, period < end]
        if first is not None:
            bounds.insert(1, period >= first)
        ranges.append(and_(*bounds))
    return tuple(ranges)


def as_of_spans(as_of: dt.date) -> tuple[tuple[str, dt.date | None, dt.date], ...]:
    """(grain, first period or None for no bound, period it stays before) per grain: together
    they cover every day up to `as_of` exactly once."""
    ys, ms, ts = year_start(as_of), month_start(as_of), tenday_start(as_of)
    return (
        ("y", None, ys),
        ("m", ys, ms),
        ("t", ms, ts),
        ("d", ts, as_of + dt.timedelta(days=1)),
    )


def check_day(field: str, day: dt.date) -> dt.date:
    if not EARLIEST <= day <= LATEST:
        raise InvalidInput(field, f"must be between {EARLIEST} and {LATEST}")
    return day


def check_range(start: dt.date, end: dt.date, *, max_days: int) -> None:
    check_day("from", start)
    check_day("to", end)
    if start > end:
        raise InvalidInput("from", "must not be after `to`")
    if (end - start).days + 1 > max_days:
        raise InvalidInput("to", f"the range may span at most {max_days} days")


def week_start(day: dt.date) -> dt.date:
    """ISO weeks start on Monday."""
    return day - dt.timedelta(days=day.weekday())
