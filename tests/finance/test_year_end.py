"""Year-end close, an admin's reopen and the re-close that posts only the difference."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

import pytest

from erp.finance.domain.verify import verify_books
from tests.finance.support import Service, dec, problem, published

TODAY = dt.datetime.now(dt.UTC).date()
LAST = TODAY.year - 1  # the latest year that has ended
YEAR_END = dt.date(LAST, 12, 31)
RESULT_TYPES = ("income", "expense")


def entry(day: dt.date, *lines: tuple[str, str, str], memo: str = "test") -> dict[str, Any]:
    return {
        "date": day.isoformat(),
        "memo": memo,
        "lines": [{"account": a, "debit": d, "credit": c} for a, d, c in lines],
    }


async def post(finance: Service, day: dt.date, *lines: tuple[str, str, str]) -> None:
    await finance.ok("POST", "/journal-entries", entry(day, *lines))


async def trial_balance(finance: Service, day: dt.date) -> dict[str, dict[str, Any]]:
    tb = await finance.ok("GET", f"/trial-balance?as_of={day.isoformat()}")
    assert tb["total_debit"] == tb["total_credit"]
    return {r["account"]: r for r in tb["rows"]}


def totals(rows: dict[str, dict[str, Any]]) -> dict[str, Decimal]:
    """Balances on the normal side summed per account type."""
    sums = dict.fromkeys(("asset", "liability", "equity", "income", "expense"), Decimal(0))
    for r in rows.values():
        sums[r["type"]] += dec(r["balance"])
    return sums


def balances(sums: dict[str, Decimal]) -> bool:
    """The balance sheet balances: assets = liabilities + equity + the unclosed result."""
    result = sums["income"] - sums["expense"]
    return sums["asset"] == sums["liability"] + sums["equity"] + result


def fields(body: dict[str, Any]) -> set[str]:
    """The fields a problem names."""
    named = {e["field"] for e in body.get("errors", [])}
    return named | ({body["field"]} if "field" in body else set())


async def closing_entries(finance: Service) -> list[dict[str, Any]]:
    return (await finance.ok("GET", "/journal-entries?source=year-end"))["items"]


async def verified(finance: Service) -> None:
    async with finance.db.read() as conn:
        _, mismatches = await verify_books(conn)
    assert mismatches == []


async def a_year(finance: Service, year: int = LAST) -> None:
    """Capital, sales 500, rent 200 and salaries 120: a profit of 180."""
    await post(finance, dt.date(year, 1, 5), ("1100", "1000.00", "0"), ("3100", "0", "1000.00"))
    await post(finance, dt.date(year, 3, 1), ("1100", "500.00", "0"), ("4100", "0", "500.00"))
    await post(finance, dt.date(year, 6, 1), ("6100", "200.00", "0"), ("1100", "0", "200.00"))
    await post(finance, dt.date(year, 12, 31), ("6200", "120.00", "0"), ("1100", "0", "120.00"))


async def test_close_year_moves_the_result_into_retained_earnings(finance: Service) -> None:
    await a_year(finance)
    before = await trial_balance(finance, YEAR_END)

    closed = await finance.ok("POST", "/periods/close-year", {"year": LAST})

    assert closed["year"] == LAST and closed["closed_through"] == YEAR_END.isoformat()
    assert dec(closed["net_profit"]) == Decimal("180")
    (closing,) = await closing_entries(finance)
    assert closing["id"] == closed["entry_id"] and closing["date"] == YEAR_END.isoformat()
    after = await trial_balance(finance, YEAR_END)
    assert all(dec(r["balance"]) == 0 for r in after.values() if r["type"] in RESULT_TYPES)
    assert dec(after["3200"]["balance"]) == Decimal("180")
    for code, row in before.items():  # balance sheet accounts are untouched
        if row["type"] not in RESULT_TYPES:
            assert after[code]["balance"] == row["balance"]
    assert balances(totals(before)) and balances(totals(after))
    assert balances(totals(await trial_balance(finance, TODAY)))
    assert (await finance.ok("GET", "/periods"))["closed_through"] == YEAR_END.isoformat()
    events = await published(finance, "finance.period-closed")
    assert events[-1]["closed_through"] == YEAR_END.isoformat()
    posted = await published(finance, "finance.journal-posted")
    assert posted[-1]["source"] == "year-end"
    await verified(finance)


async def test_a_closed_year_refuses_postings_with_409(finance: Service) -> None:
    await a_year(finance)
    await finance.ok("POST", "/periods/close-year", {"year": LAST})
    before = await finance.snapshot()
    body = problem(
        await finance.post(
            "/journal-entries",
            entry(dt.date(LAST, 7, 1), ("6100", "1.00", "0"), ("1100", "0", "1.00")),
        ),
        409,
        "closed",
    )
    assert body["field"] == "date" and body["closed_through"] == YEAR_END.isoformat()
    assert await finance.snapshot() == before


@pytest.mark.parametrize("year", [TODAY.year, TODAY.year + 1])
async def test_close_year_not_ended_is_422_naming_year(finance: Service, year: int) -> None:
    before = await finance.snapshot()
    body = problem(await finance.post("/periods/close-year", {"year": year}), 422, "year")
    assert fields(body) == {"year"}
    assert await finance.snapshot() == before


@pytest.mark.parametrize("body", [{}, {"year": "soon"}, {"year": 0}, {"year": 10**9}])
async def test_close_year_bad_body_is_422(finance: Service, body: dict[str, Any]) -> None:
    problem(await finance.post("/periods/close-year", body), 422, "year")


async def test_close_year_with_an_earlier_year_open_is_409(finance: Service) -> None:
    await a_year(finance, LAST - 1)
    await a_year(finance)
    before = await finance.snapshot()
    body = problem(await finance.post("/periods/close-year", {"year": LAST}), 409, "year")
    assert body["field"] == "year"
    # closed as a period but its result not in retained earnings: still open
    await finance.ok("POST", "/periods/close", {"date": f"{LAST - 1}-12-31"})
    problem(await finance.post("/periods/close-year", {"year": LAST}), 409, str(LAST - 1))
    assert (await finance.snapshot())["journal_entries"] == before["journal_entries"]


async def test_close_year_twice_is_409_and_a_key_replays(finance: Service) -> None:
    await a_year(finance)
    key = {"Idempotency-Key": "close-last-year"}
    first = await finance.post("/periods/close-year", {"year": LAST}, headers=key)
    again = await finance.post("/periods/close-year", {"year": LAST}, headers=key)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    problem(await finance.post("/periods/close-year", {"year": LAST}), 409, "already closed")
    assert len(await closing_entries(finance)) == 1


async def test_closing_entries_cannot_be_reversed_by_hand(finance: Service) -> None:
    await a_year(finance)
    closed = await finance.ok("POST", "/periods/close-year", {"year": LAST})
    problem(await finance.post(f"/journal-entries/{closed['entry_id']}/reverse"), 409)


async def test_reopen_is_for_admins_with_a_reason(finance: Service) -> None:
    await a_year(finance)
    await finance.ok("POST", "/periods/close-year", {"year": LAST})
    before = await finance.snapshot()
    wanted = {"date": f"{LAST}-12-01", "reason": "late supplier invoice"}
    assert (await finance.post("/periods/reopen", wanted)).status_code == 403
    for body in ({"date": wanted["date"]}, {**wanted, "reason": "  "}):
        refused = problem(await finance.post("/periods/reopen", body, role="admin"), 422)
        assert fields(refused) == {"reason"}, refused
    problem(
        await finance.post("/periods/reopen", {**wanted, "date": TODAY.isoformat()}, role="admin"),
        409,
        "not in a closed period",
    )
    assert await finance.snapshot() == before


async def test_reopen_then_reclose_posts_only_the_difference(finance: Service) -> None:
    await a_year(finance)
    first = await finance.ok("POST", "/periods/close-year", {"year": LAST})
    reopen = {"date": f"{LAST}-12-01", "reason": "late supplier invoice"}
    reopened = await finance.ok("POST", "/periods/reopen", reopen, role="admin")
    assert reopened["closed_through"] == f"{LAST}-11-30"
    assert reopened["reopened_from"] == YEAR_END.isoformat()
    assert (await published(finance, "finance.period-reopened"))[-1]["reason"] == reopen["reason"]
    await post(finance, dt.date(LAST, 12, 15), ("6100", "30.00", "0"), ("1100", "0", "30.00"))
    await post(finance, dt.date(LAST, 12, 20), ("1100", "80.00", "0"), ("4100", "0", "80.00"))

    second = await finance.ok("POST", "/periods/close-year", {"year": LAST})

    assert dec(first["net_profit"]) == Decimal("180") and dec(second["net_profit"]) == Decimal(50)
    newest = await finance.ok("GET", f"/journal-entries/{second['entry_id']}")
    lines = {ln["account"]: (dec(ln["debit"]), dec(ln["credit"])) for ln in newest["lines"]}
    assert lines == {
        "4100": (Decimal(80), Decimal(0)),
        "6100": (Decimal(0), Decimal(30)),
        "3200": (Decimal(0), Decimal(50)),
    }
    rows = await trial_balance(finance, YEAR_END)
    assert all(dec(r["balance"]) == 0 for r in rows.values() if r["type"] in RESULT_TYPES)
    assert dec(rows["3200"]["balance"]) == Decimal(230)
    history = (await finance.ok("GET", "/periods"))["history"]
    assert [(h["action"], h["closed_through"], h["reason"]) for h in history] == [
        ("close", YEAR_END.isoformat(), None),
        ("reopen", f"{LAST}-11-30", reopen["reason"]),
        ("close", YEAR_END.isoformat(), None),
    ]
    assert history[1]["by"] == "admin" and history[1]["previously_closed_through"] == (
        YEAR_END.isoformat()
    )
    await verified(finance)


async def test_reclose_with_nothing_changed_posts_no_entry(finance: Service) -> None:
    await a_year(finance)
    await finance.ok("POST", "/periods/close-year", {"year": LAST})
    await finance.ok("POST", "/periods/reopen", {"date": f"{LAST}-06-01", "reason": "check"},
                     role="admin")  # fmt: skip
    again = await finance.ok("POST", "/periods/close-year", {"year": LAST})
    assert again["entry_id"] is None and dec(again["net_profit"]) == 0
    assert len(await closing_entries(finance)) == 1


RESULT_ACCOUNTS = ("4000", "4100", "6100", "6200", "7100")


@pytest.mark.parametrize("seed", [1, 2])
async def test_random_years_closed_keep_the_invariants(finance: Service, seed: int) -> None:
    """Random postings across two years (some after a reopen): after each close every income
    and expense account is zero at the year's end, retained earnings hold the sum of the
    years' results, and the books balance and verify."""
    rng = random.Random(seed)
    profit = Decimal(0)

    async def postings(year: int, count: int, first_month: int = 1) -> Decimal:
        made = Decimal(0)
        for _ in range(count):
            account = rng.choice(RESULT_ACCOUNTS)
            amount = Decimal(rng.randint(1, 99999)) / 100
            day = dt.date(year, rng.randint(first_month, 12), rng.randint(1, 28))
            if rng.random() < 0.5:
                await post(finance, day, ("1100", str(amount), "0"), (account, "0", str(amount)))
                made += amount
            else:
                await post(finance, day, (account, str(amount), "0"), ("1100", "0", str(amount)))
                made -= amount
        return made

    for year in (LAST - 1, LAST):
        profit += await postings(year, 8)
        await finance.ok("POST", "/periods/close-year", {"year": year})
        rows = await trial_balance(finance, dt.date(year, 12, 31))
        assert all(dec(r["balance"]) == 0 for r in rows.values() if r["type"] in RESULT_TYPES)
        assert dec(rows["3200"]["balance"]) == profit
        assert balances(totals(rows))
    await finance.ok("POST", "/periods/reopen", {"date": f"{LAST}-10-01", "reason": "audit"},
                     role="admin")  # fmt: skip
    profit += await postings(LAST, 5, first_month=10)
    await finance.ok("POST", "/periods/close-year", {"year": LAST})
    rows = await trial_balance(finance, YEAR_END)
    assert all(dec(r["balance"]) == 0 for r in rows.values() if r["type"] in RESULT_TYPES)
    assert dec(rows["3200"]["balance"]) == profit
    await verified(finance)
