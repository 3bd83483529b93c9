"""`as_of` is a date (that whole day) or a timestamp, read as the business day it falls on in
the company's time zone: reporting keeps its figures per business day."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from erp.platform import calendar
from erp.reporting.main import SPEC
from tests.reporting import builders as b
from tests.reporting.conftest import feed
from tests.support.clients import ServiceClient, service_client

DAY = dt.date(2024, 5, 6)


@pytest.fixture
async def berlin(database_for: Any, tmp_path: Path) -> AsyncIterator[ServiceClient]:
    """Reporting for a company in Berlin (ERP_COMPANY_TIMEZONE)."""
    url = await database_for(SPEC)
    try:
        async with service_client(
            SPEC, database_url=url, data_dir=tmp_path, company_timezone="Europe/Berlin"
        ) as client:
            yield client
    finally:
        calendar.use_zone("UTC")  # the zone is per process


async def cash(client: ServiceClient, as_of: str) -> tuple[str, Decimal]:
    response = await client.get("/reports/trial-balance", params={"as_of": as_of})
    assert response.status_code == 200, response.text
    body = response.json()
    found = {r["account"]: Decimal(r["debit"]) for r in body["rows"]}
    return body["params"]["as_of"], found.get("1100", Decimal(0))


async def test_a_date_and_a_timestamp_of_that_day_give_the_whole_day(
    reporting: ServiceClient,
) -> None:
    entry = [("1100", Decimal("7.00"), Decimal(0)), ("4000", Decimal(0), Decimal("7.00"))]
    await feed(reporting, [b.journal(1, DAY, entry)])  # posted at noon
    assert await cash(reporting, "2024-05-06") == ("2024-05-06", Decimal("7.00"))
    # Early that day: the read models are per day, so the whole day counts.
    assert await cash(reporting, "2024-05-06T00:00:01Z") == ("2024-05-06", Decimal("7.00"))
    assert await cash(reporting, "2024-05-05T23:59:59Z") == ("2024-05-05", Decimal(0))
    # A zone-less timestamp is UTC.
    assert await cash(reporting, "2024-05-06T08:00:00") == ("2024-05-06", Decimal("7.00"))


async def test_a_timestamp_falls_on_its_business_day_in_the_company_zone(
    berlin: ServiceClient,
) -> None:
    entry = [("1100", Decimal("7.00"), Decimal(0)), ("4000", Decimal(0), Decimal("7.00"))]
    await feed(berlin, [b.journal(1, DAY, entry)])
    # 22:30 UTC on the 5th is already the 6th in Berlin.
    assert await cash(berlin, "2024-05-05T22:30:00Z") == ("2024-05-06", Decimal("7.00"))
    assert await cash(berlin, "2024-05-05T23:30:00+02:00") == ("2024-05-05", Decimal(0))
