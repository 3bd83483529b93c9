"""`as_of` means one thing everywhere: a date is that whole day, a timestamp that instant; and
business days fall in the company's zone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Column, Date, Integer, MetaData, Table, create_engine, select

from erp.platform import calendar
from erp.platform.calendar import AsOf, AsOfQuery
from erp.platform.db.types import UTCDateTime
from erp.platform.errors import InvalidInput, install_error_handlers

UTC = dt.UTC
DAY = dt.date(2026, 12, 7)


@pytest.fixture
def berlin() -> Iterator[None]:
    calendar.use_zone("Europe/Berlin")
    yield
    calendar.use_zone("UTC")


def test_a_date_is_the_whole_day() -> None:
    as_of = AsOf.parse("2026-12-07")
    assert as_of == AsOf(DAY) and as_of.instant is None
    late = dt.datetime(2026, 12, 7, 23, 59, 59, tzinfo=UTC)
    assert as_of.covers(DAY, late)
    assert as_of.covers(DAY - dt.timedelta(days=1))
    assert not as_of.covers(DAY + dt.timedelta(days=1), late)


def test_a_timestamp_is_that_instant() -> None:
    as_of = AsOf.parse("2026-12-07T12:00:00Z")
    assert as_of.day == DAY and as_of.instant == dt.datetime(2026, 12, 7, 12, tzinfo=UTC)
    assert as_of.covers(DAY, dt.datetime(2026, 12, 7, 11, 59, tzinfo=UTC))
    assert not as_of.covers(DAY, dt.datetime(2026, 12, 7, 12, 0, 1, tzinfo=UTC))
    # Dated earlier but written later (back-dated): it counts, its day is before.
    assert as_of.covers(DAY - dt.timedelta(days=1), dt.datetime(2026, 12, 8, tzinfo=UTC))
    assert AsOf.parse("2026-12-07T12:00:00").instant == as_of.instant  # no zone: UTC


def test_a_timestamp_falls_on_the_company_day(berlin: None) -> None:
    # 23:30 UTC on the 6th is already the 7th in Berlin.
    as_of = AsOf.parse("2026-12-06T23:30:00+00:00")
    assert as_of.day == DAY
    assert calendar.day_of(dt.datetime(2026, 12, 6, 22, 59, tzinfo=UTC)) == DAY - dt.timedelta(1)


@pytest.mark.parametrize("text", ["07.12.2026", "2026-13-01", "yesterday", "2026-12-07T25:00"])
def test_anything_else_is_refused_naming_the_field(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        AsOf.parse(text)
    assert caught.value.detail.startswith("as_of: ")


def test_sql_and_python_agree() -> None:
    """`includes` selects exactly the rows `covers` accepts, on a real database."""
    metadata = MetaData()
    docs = Table(
        "docs",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("day", Date, nullable=False),
        Column("posted_at", UTCDateTime(timezone=True), nullable=False),
    )
    rows = [
        (DAY - dt.timedelta(days=1), dt.datetime(2026, 12, 8, 9, tzinfo=UTC)),
        (DAY, dt.datetime(2026, 12, 7, 8, tzinfo=UTC)),
        (DAY, dt.datetime(2026, 12, 7, 12, tzinfo=UTC)),
        (DAY, dt.datetime(2026, 12, 7, 18, tzinfo=UTC)),
        (DAY + dt.timedelta(days=1), dt.datetime(2026, 12, 7, 6, tzinfo=UTC)),
    ]
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            docs.insert(), [{"id": i, "day": d, "posted_at": t} for i, (d, t) in enumerate(rows)]
        )
        for as_of in (AsOf(DAY), AsOf.parse("2026-12-07T12:00:00Z"), AsOf(DAY - dt.timedelta(1))):
            selected = set(
                conn.execute(
                    select(docs.c.id).where(as_of.includes(docs.c.day, docs.c.posted_at))
                ).scalars()
            )
            expected = {i for i, (d, t) in enumerate(rows) if as_of.covers(d, t)}
            assert selected == expected, as_of
    assert {i for i, (d, t) in enumerate(rows) if AsOf(DAY).covers(d, t)} == {0, 1, 2, 3}


async def test_the_query_parameter_answers_a_problem_naming_as_of() -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/at")
    async def at(as_of: AsOfQuery = None) -> dict[str, str | None]:
        return {
            "day": as_of.day.isoformat() if as_of else None,
            "as_of": str(as_of) if as_of else None,
        }

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        ok = await client.get("/at", params={"as_of": "2026-12-07"})
        assert ok.json() == {"day": "2026-12-07", "as_of": "2026-12-07"}
        assert (await client.get("/at")).json() == {"day": None, "as_of": None}
        bad = await client.get("/at", params={"as_of": "last friday"})
        assert bad.status_code == 422
        assert bad.headers["content-type"].startswith("application/problem+json")
        assert bad.json()["errors"][0]["field"] == "as_of"


def test_an_unknown_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="Mars/Base"):
        calendar.zone_named("Mars/Base")
