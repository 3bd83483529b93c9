"""Control accounts are posted only by their documents; group accounts never."""

from __future__ import annotations

import pytest

from tests.finance.support import Service, problem
from tests.finance.test_journal import CAPITAL, entry


@pytest.mark.parametrize(
    ("account", "documents"),
    [("1200", "invoices"), ("1300", "stock movements"), ("2150", "stock receipts")],
)
async def test_a_manual_entry_to_a_control_account_is_refused(
    finance: Service, account: str, documents: str
) -> None:
    before = await finance.snapshot()
    body = entry(("1100", "0", "50.00"), (account, "50.00", "0"))
    problem(
        await finance.post("/journal-entries", body),
        422,
        "lines.1.account",
        "control account",
        documents,
    )
    assert await finance.snapshot() == before  # nothing written


async def test_a_group_account_takes_no_postings(finance: Service) -> None:
    before = await finance.snapshot()
    body = entry(("1000", "10.00", "0"), ("3100", "0", "10.00"))  # 1000 Assets sums 1100..
    problem(await finance.post("/journal-entries", body), 422, "lines.0.account", "group account")
    assert await finance.snapshot() == before


async def test_an_account_with_postings_or_automatic_use_cannot_become_a_group(
    finance: Service,
) -> None:
    await finance.ok("POST", "/journal-entries", CAPITAL)  # 3100 now has postings
    sub = {"code": "3110", "name": "Capital, second owner", "type": "equity", "parent": "3100"}
    problem(await finance.post("/accounts", sub), 422, "parent", "has postings")
    receivables = {"code": "1210", "name": "Receivables B", "type": "asset", "parent": "1200"}
    problem(await finance.post("/accounts", receivables), 422, "parent", "automatic postings")
    # A fresh parent without postings can take sub-accounts, and then posts go to them.
    await finance.ok(
        "POST", "/accounts", {"code": "6900", "name": "Travel", "type": "expense", "parent": "6000"}
    )
    await finance.ok(
        "POST",
        "/accounts",
        {"code": "6910", "name": "Travel, air", "type": "expense", "parent": "6900"},
    )
    problem(
        await finance.post("/journal-entries", entry(("6900", "5.00", "0"), ("1100", "0", "5.00"))),
        422,
        "group account",
    )
    await finance.ok(
        "POST", "/journal-entries", entry(("6910", "5.00", "0"), ("1100", "0", "5.00"))
    )
