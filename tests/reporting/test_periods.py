"""The buckets read "as of" a date hold every earlier figure once and no later one."""

from __future__ import annotations

import datetime as dt

from erp.reporting.domain.periods import as_of_spans, buckets


def test_as_of_spans_count_each_day_up_to_the_date_once() -> None:
    start = dt.date(2023, 12, 1)
    days = [start + dt.timedelta(days=n) for n in range(460)]  # crosses a leap February
    for as_of in days:
        spans = as_of_spans(as_of)
        for day in days:
            hits = sum(
                1
                for grain, period in buckets(day)
                for name, first, end in spans
                if grain == name and (first is None or first <= period) and period < end
            )
            assert hits == (1 if day <= as_of else 0), (day, as_of)
