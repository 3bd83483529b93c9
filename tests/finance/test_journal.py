from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.finance.support import Service, dec, problem

TODAY = dt.datetime.now(dt.UTC).date()
YESTERDAY = TODAY - dt.timedelta(days=1)


def entry(*lines: tuple[str, str, str], **extra: Any) -> dict[str, Any]:
    return {
        "date": TODAY.isoformat(),
        "memo": "owner invests",
        "lines": [{"account": a, "debit": d, "credit": c} for a, d, c in lines],
        **extra,
    }


CAPITAL = entry(("1100", "1000.00", "0"), ("3100", "0", "1000.00"))


async def test_post_balanced_entry_updates_balances(finance: Service) -> None:
    posted = await finance.ok("POST", "/journal-entries", CAPITAL)
    assert posted["source"] == "manual" and posted["currency"] == "USD"
    assert posted["total_debit"] == posted["total_credit"] == "1000.0000"
    assert (await finance.ok("GET", "/accounts/1100"))["balance"] == "1000.0000"
    assert (await finance.ok("GET", "/accounts/3100"))["balance"] == "1000.0000"
    assert (await finance.ok("GET", f"/journal-entries/{posted['id']}"))["lines"][0]["account"] == (
        "1100"
    )
    page = await finance.ok("GET", "/journal-entries?source=manual")
    assert [e["id"] for e in page["items"]] == [posted["id"]]


BAD_ENTRIES = [
    (entry(("1100", "100.00", "0"), ("3100", "0", "90.00")), 422, ["unbalanced", "lines"]),
    (entry(("1100", "100.00", "0"), ("9999", "0", "100.00")), 422, ["lines.1.account", "9999"]),
    (entry(("1100", "-100.00", "0"), ("3100", "0", "-100.00")), 422, ["lines.0.debit"]),
    (entry(("1100", "100.00", "100.00"), ("3100", "0", "0")), 422, ["lines.0", "not both"]),
    (entry(("1100", "0", "0"), ("3100", "0", "0")), 422, ["lines.0", "debit or a credit"]),
    (entry(("1100", "100.005", "0"), ("3100", "0", "100.005")), 422, ["decimal places"]),
    (
        entry(("1100", "100.00", "0"), ("3100", "0", "100.00"), currency="EUR"),
        422,
        ["rate", "EUR"],
    ),
    (
        entry(("1100", "100.00", "0"), ("3100", "0", "100.00"), currency="XYZ", rate="1.1"),
        422,
        ["currency", "XYZ"],
    ),
    (entry(("1100", "100", "0")), 422, ["lines"]),
    ({**CAPITAL, "surprise": 1}, 422, ["surprise"]),
]


@pytest.mark.parametrize(("body", "status", "words"), BAD_ENTRIES)
async def test_bad_entries_are_refused_without_writing(
    finance: Service, body: dict[str, Any], status: int, words: list[str]
) -> None:
    before = await finance.snapshot()
    problem(await finance.post("/journal-entries", body), status, *words)
    assert await finance.snapshot() == before


async def test_inactive_account_is_refused(finance: Service) -> None:
    await finance.client.patch("/accounts/6100", json={"active": False}, headers=_auth())
    before = await finance.snapshot()
    body = entry(("6100", "50.00", "0"), ("1100", "0", "50.00"))
    problem(await finance.post("/journal-entries", body), 422, "lines.0.account", "inactive")
    assert await finance.snapshot() == before


async def test_foreign_currency_keeps_both_amounts_and_posts_rounding(finance: Service) -> None:
    # 3 x 0.01 EUR at 1.5: 0.015 -> 0.02 USD each (half-even); 0.03 EUR: 0.045 -> 0.04 USD
    body = entry(
        ("6100", "0.01", "0"),
        ("6100", "0.01", "0"),
        ("6100", "0.01", "0"),
        ("1100", "0", "0.03"),
        currency="EUR",
        rate="1.5",
    )
    posted = await finance.ok("POST", "/journal-entries", body)
    lines = posted["lines"]
    assert [ln["amount"] for ln in lines[:4]] == ["0.0100", "0.0100", "0.0100", "-0.0300"]
    assert [ln["debit"] for ln in lines[:3]] == ["0.0200"] * 3
    assert lines[3]["credit"] == "0.0400"
    rounding = [ln for ln in lines if ln["account"] == "7200"]
    assert len(rounding) == 1 and rounding[0]["amount"] == "0.0000"
    assert rounding[0]["credit"] == "0.0200"
    assert dec(posted["total_debit"]) == dec(posted["total_credit"])


async def test_reverse_posts_the_mirror_and_links_both(finance: Service) -> None:
    posted = await finance.ok("POST", "/journal-entries", CAPITAL)
    path = f"/journal-entries/{posted['id']}/reverse"
    problem(await finance.post(path, {"memo": "oops"}), 422, "memo")  # the word is `reason`
    mirror = await finance.ok("POST", path, {"reason": "oops"})
    assert mirror["reverses"] == posted["id"] and mirror["memo"] == "oops"
    assert [(ln["debit"], ln["credit"]) for ln in mirror["lines"]] == [
        (ln["credit"], ln["debit"]) for ln in posted["lines"]
    ]
    assert (await finance.ok("GET", f"/journal-entries/{posted['id']}"))["reversed_by"] == (
        mirror["id"]
    )
    assert (await finance.ok("GET", "/accounts/1100"))["balance"] == "0.0000"
    before = await finance.snapshot()
    problem(await finance.post(f"/journal-entries/{posted['id']}/reverse"), 409, "already")
    problem(await finance.post(f"/journal-entries/{mirror['id']}/reverse"), 409, "reversal")
    problem(await finance.post("/journal-entries/999/reverse"), 404, "999")
    assert await finance.snapshot() == before


async def test_closed_period_refuses_postings_with_the_date(finance: Service) -> None:
    await finance.ok("POST", "/journal-entries", {**CAPITAL, "date": YESTERDAY.isoformat()})
    closed = await finance.ok("POST", "/periods/close", {"date": YESTERDAY.isoformat()})
    assert closed["closed_through"] == YESTERDAY.isoformat()
    before = await finance.snapshot()
    body = problem(
        await finance.post("/journal-entries", {**CAPITAL, "date": YESTERDAY.isoformat()}),
        409,
        YESTERDAY.isoformat(),
        "closed",
    )
    assert body["closed_through"] == YESTERDAY.isoformat()
    earlier = (YESTERDAY - dt.timedelta(days=5)).isoformat()
    problem(await finance.post("/periods/close", {"date": earlier}), 409, "reopen")
    future = (TODAY + dt.timedelta(days=5)).isoformat()
    problem(await finance.post("/periods/close", {"date": future}), 422, "date")
    assert await finance.snapshot() == before
    assert (await finance.ok("GET", "/periods"))["closed_through"] == YESTERDAY.isoformat()
    await finance.ok("POST", "/journal-entries", CAPITAL)  # today is open


async def test_idempotency_key_replays_the_first_answer(finance: Service) -> None:
    headers = {"Idempotency-Key": "capital-1"}
    first = await finance.post("/journal-entries", CAPITAL, headers=headers)
    again = await finance.post("/journal-entries", CAPITAL, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert len((await finance.ok("GET", "/journal-entries"))["items"]) == 1


async def test_trial_balance_and_account_ledger(finance: Service) -> None:
    await finance.ok("POST", "/journal-entries", {**CAPITAL, "date": YESTERDAY.isoformat()})
    rent = entry(("6100", "300.00", "0"), ("1100", "0", "300.00"))
    await finance.ok("POST", "/journal-entries", rent)
    tb = await finance.ok("GET", f"/trial-balance?as_of={TODAY}")
    assert tb["total_debit"] == tb["total_credit"] == "1000.0000"
    rows = {r["account"]: (r["debit"], r["credit"]) for r in tb["rows"]}
    assert rows == {
        "1100": ("700.0000", "0"),
        "3100": ("0", "1000.0000"),
        "6100": ("300.0000", "0"),
    }
    past = await finance.ok("GET", f"/trial-balance?as_of={YESTERDAY}")
    assert {r["account"] for r in past["rows"]} == {"1100", "3100"}
    first = await finance.ok("GET", "/accounts/1100/ledger?limit=1")
    assert [ln["balance"] for ln in first["items"]] == ["1000.0000"]
    second = await finance.ok("GET", f"/accounts/1100/ledger?limit=1&cursor={first['next_cursor']}")
    assert [ln["balance"] for ln in second["items"]] == ["700.0000"]
    assert second["next_cursor"] is None
    ranged = await finance.ok("GET", f"/accounts/1100/ledger?from={TODAY}")
    assert ranged["opening_balance"] == "1000.0000"
    problem(await finance.get("/accounts/1100/ledger?cursor=nonsense"), 422, "cursor")


def _auth() -> dict[str, str]:
    from tests.finance.support import auth

    return auth("accountant")
