"""`as_of` reads as everywhere else: a date is that whole day, a timestamp that instant; and
the days documents take when given none are the company's days."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from erp.finance.main import SPEC as FINANCE
from tests.finance.conftest import _start
from tests.finance.support import Service, add_customers, problem
from tests.finance.test_journal import entry


def accounts_in(tb: dict[str, Any]) -> dict[str, str]:
    return {r["account"]: r["balance"] for r in tb["rows"]}


async def test_a_timestamp_counts_what_was_posted_by_then(finance: Service) -> None:
    today = dt.datetime.now(dt.UTC).date()
    yesterday = today - dt.timedelta(days=1)
    earlier = await finance.ok(
        "POST",
        "/journal-entries",
        entry(("1100", "50.00", "0"), ("3100", "0", "50.00"), date=yesterday.isoformat()),
    )
    first = await finance.ok(
        "POST", "/journal-entries", entry(("1100", "100.00", "0"), ("3100", "0", "100.00"))
    )
    await finance.ok(
        "POST", "/journal-entries", entry(("6100", "30.00", "0"), ("1100", "0", "30.00"))
    )
    # An entry dated yesterday but written now counts at any instant of today.
    assert earlier["posted_at"] < first["posted_at"]

    at_first = dt.datetime.fromisoformat(first["posted_at"].replace("Z", "+00:00"))
    for moment in (at_first, at_first.astimezone(dt.timezone(dt.timedelta(hours=5)))):
        tb = await finance.ok("GET", f"/trial-balance?as_of={quote(moment.isoformat())}")
        assert accounts_in(tb) == {"1100": "150.0000", "3100": "150.0000"}
        assert dt.datetime.fromisoformat(tb["as_of"].replace("Z", "+00:00")) == at_first
    before = at_first - dt.timedelta(microseconds=1)
    tb = await finance.ok("GET", f"/trial-balance?as_of={quote(before.isoformat())}")
    assert accounts_in(tb) == {"1100": "50.0000", "3100": "50.0000"}

    whole_day = await finance.ok("GET", f"/trial-balance?as_of={today}")
    assert whole_day["as_of"] == today.isoformat()
    assert accounts_in(whole_day) == {"1100": "120.0000", "3100": "150.0000", "6100": "30.0000"}
    assert accounts_in(await finance.ok("GET", "/trial-balance")) == accounts_in(whole_day)
    # At the end of yesterday the entry dated yesterday was not written yet.
    late_yesterday = dt.datetime.combine(yesterday, dt.time(23, 59), dt.UTC)
    tb = await finance.ok("GET", f"/trial-balance?as_of={quote(late_yesterday.isoformat())}")
    assert accounts_in(tb) == {}
    assert accounts_in(await finance.ok("GET", f"/trial-balance?as_of={yesterday}")) == {
        "1100": "50.0000",
        "3100": "50.0000",
    }
    aging = await finance.ok("GET", f"/ar-aging?as_of={quote(before.isoformat())}")
    assert aging["rows"] == []
    problem(await finance.get("/trial-balance?as_of=yesterday"), 422, "as_of")
    problem(await finance.get("/ar-aging?as_of=2026-13-01"), 422, "as_of")


def far_zone() -> tuple[str, dt.date]:
    """A zone whose today is not UTC's today at this hour, and that day."""
    now = dt.datetime.now(dt.UTC)
    offset = 14 if now.hour >= 10 else -12
    name = f"Etc/GMT{-offset:+d}"  # POSIX signs: Etc/GMT-14 is UTC+14
    return name, (now + dt.timedelta(hours=offset)).date()


@pytest.fixture
async def finance_far_away(finance_url: str, tmp_path: Path) -> AsyncIterator[Service]:
    zone, _ = far_zone()
    service = await _start(FINANCE, finance_url, tmp_path, company_timezone=zone)
    async with service.app.router.lifespan_context(service.app), service.client:
        yield service


async def test_undated_documents_and_reports_take_the_companys_today(
    finance_far_away: Service,
) -> None:
    finance = finance_far_away
    _, local_today = far_zone()
    assert local_today != dt.datetime.now(dt.UTC).date()
    posted = await finance.ok(
        "POST",
        "/journal-entries",
        entry(("1100", "10.00", "0"), ("3100", "0", "10.00"), date=local_today.isoformat()),
    )
    mirror = await finance.ok("POST", f"/journal-entries/{posted['id']}/reverse")
    assert mirror["date"] == local_today.isoformat()
    tb = await finance.ok("GET", "/trial-balance")
    assert tb["as_of"] == local_today.isoformat()
    assert (await finance.ok("GET", "/ar-aging"))["as_of"] == local_today.isoformat()
    await add_customers(finance, "ACME")
    statement = await finance.ok("GET", "/customers/ACME/statement")
    assert statement["date_to"] == local_today.isoformat()
    closed = await finance.ok("POST", "/periods/close", {"date": local_today.isoformat()})
    assert closed["closed_through"] == local_today.isoformat()
    tomorrow = local_today + dt.timedelta(days=1)
    problem(await finance.post("/periods/close", {"date": tomorrow.isoformat()}), 422, "date")
