"""Every number a client sends is bounded by what the columns hold on both databases, and so
is every sum that is stored: extremes are a 422 naming the field, never a 500, and write
nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.finance.support import Service, problem, pump
from tests.finance.test_invoices import invoice_body, issue, setup_stock
from tests.finance.test_journal import entry

# Close to the most a money column holds on both databases (922337203685477.5807: a BIGINT of
# ten-thousandths on SQLite), in whole cents.
MOST = "922337203685477.58"
EXTREMES = ["1e15", "1e30", "9223372036854775808", "922337203685477.5808", "1.00001", "-1e30"]
# A rate has eight places and fits a BIGINT of hundred-millionths.
RATES = ["1e15", "1e30", "9223372036854775808", "92233720368.54775808", "1.000000001", "-1e30"]


async def refused(finance: Service, path: str, body: Any, field: str) -> None:
    before = await finance.snapshot()
    response = await finance.post(path, body)
    problem(response, 422, field)
    assert await finance.snapshot() == before


@pytest.mark.parametrize(("value", "rate"), list(zip(EXTREMES, RATES, strict=True)))
async def test_journal_amounts_and_rates(finance: Service, value: str, rate: str) -> None:
    body = entry(("1100", value, "0"), ("3100", "0", value))
    await refused(finance, "/journal-entries", body, "lines.0.debit")
    body = entry(("1100", "1.00", "0"), ("3100", "0", "1.00"), currency="EUR", rate=rate)
    await refused(finance, "/journal-entries", body, "rate")


async def test_journal_sums_stay_within_the_columns(finance: Service) -> None:
    # The largest amount posts; then the account's total would overflow.
    await finance.ok("POST", "/journal-entries", entry(("1100", MOST, "0"), ("3100", "0", MOST)))
    await refused(
        finance,
        "/journal-entries",
        entry(("1100", "0.01", "0"), ("3100", "0", "0.01")),
        "lines.0.account",
    )
    # An entry whose total no column holds, though each line does.
    half = "500000000000000"
    lines = entry(
        ("6100", half, "0"), ("6200", half, "0"), ("3200", "0", half), ("4100", "0", half)
    )
    await refused(finance, "/journal-entries", lines, "lines")
    # A foreign amount that converts to more than the base currency holds.
    big_rate = entry(
        ("6100", "100000.00", "0"), ("4100", "0", "100000.00"), currency="EUR", rate="90000000000"
    )
    await refused(finance, "/journal-entries", big_rate, "lines.0.debit")
    assert (await finance.ok("GET", "/trial-balance"))["total_debit"] == MOST + "00"


@pytest.mark.parametrize(("value", "rate"), list(zip(EXTREMES, RATES, strict=True)))
async def test_invoice_numbers(finance: Service, inventory: Service, value: str, rate: str) -> None:
    await setup_stock(inventory, ("W-1", "10", "1.00"))
    for field, line in (
        ("lines.0.quantity", ("W-1", value, "1.00", "0")),
        ("lines.0.unit_price", ("W-1", "1", value, "0")),
        ("lines.0.tax_rate", ("W-1", "1", "1.00", value)),
    ):
        await refused(finance, "/invoices", invoice_body(line), field)
    body = invoice_body(("W-1", "1", "1.00", "0"), currency="EUR", rate=rate)
    await refused(finance, "/invoices", body, "rate")


async def test_invoice_sums_stay_within_the_columns(finance: Service, inventory: Service) -> None:
    await setup_stock(inventory, ("W-1", "10", "1.00"))
    most = "99999999999999.9999"  # the largest quantity and unit price
    await refused(finance, "/invoices", invoice_body(("W-1", most, most, "0")), "lines.0")
    line = ("W-1", "1", "99999999999999.99", "20")  # fits; ten of them do not
    await refused(finance, "/invoices", invoice_body(*[line] * 10), "lines")
    body = invoice_body(("W-1", "1", "90000000000000.00", "0"), currency="EUR", rate="100")
    await refused(finance, "/invoices", body, "rate")  # its receivable in the base currency
    created = await finance.ok("POST", "/invoices", invoice_body(("W-1", "9", most, "0")))
    assert created["total"] == "900000000000000.0000"  # 899999999999999.9991, to the cent


async def test_payment_numbers(finance: Service, inventory: Service) -> None:
    await setup_stock(inventory, ("W-1", "10", "1.00"))
    body = invoice_body(("W-1", "1", "10000000000.00", "0"), currency="EUR", rate="1.1")
    draft = await finance.ok("POST", "/invoices", body)
    await issue(finance, draft["id"])
    await pump(finance, inventory)
    pay = {"invoice": draft["id"], "amount": "1"}
    for value, rate in zip(EXTREMES, RATES, strict=True):
        await refused(finance, "/payments", {**pay, "amount": value}, "amount")
        await refused(finance, "/payments", {**pay, "rate": rate}, "rate")
    await refused(finance, "/payments", {**pay, "invoice": 9223372036854775808}, "invoice")
    # A rate within its column whose product no money column holds.
    at = {**pay, "amount": "10000000000.00", "rate": "92233720368"}
    await refused(finance, "/payments", at, "rate")
    paid = await finance.ok("POST", "/payments", {**pay, "amount": "10000000000.00"})
    assert paid["base_amount"] == "11000000000.0000"


@pytest.mark.parametrize(
    "path",
    [
        "/invoices/9223372036854775808",
        "/payments/9223372036854775808",
        "/journal-entries/9223372036854775808",
        "/invoices?limit=9223372036854775808",
        "/payments?invoice=9223372036854775808",
        "/journal-entries?limit=1e30",
    ],
)
async def test_ids_and_limits_in_the_address(finance: Service, path: str) -> None:
    problem(await finance.get(path), 422)


@pytest.mark.parametrize(
    "path",
    [
        "/invoices/9223372036854775808/issue",
        "/invoices/9223372036854775808/void",
        "/payments/9223372036854775808/reverse",
        "/journal-entries/9223372036854775808/reverse",
    ],
)
async def test_ids_of_commands(finance: Service, path: str) -> None:
    problem(await finance.post(path), 422)
