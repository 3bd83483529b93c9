"""The dashboard page over HTTP: its own CSP with a fresh nonce for its inline script and
style, and the panels each role may see (no role that may read a panel gets a 403)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from tests.reporting import builders as b
from tests.reporting.conftest import feed
from tests.support.clients import ServiceClient

FINANCE = {
    "sales-and-margin-by-month",
    "profit-and-loss",
    "ar-aging",
    "reconciliation",
    "due-this-week",
    "unbilled-receipts",
}
STOCK = {"stock-value-by-warehouse", "low-stock", "stock-movements"}
EVERY = FINANCE | STOCK
TEN = Decimal(10)
EXPECTED = {
    "admin": EVERY,
    "viewer": EVERY,
    "accountant": FINANCE | {"stock-value-by-warehouse"},
    "warehouse": STOCK,
}


def panels(html: str) -> set[str]:
    return set(re.findall(r"<section class='card [^']*' id='([^']+)'", html)) - {"key-figures"}


async def test_the_page_has_its_own_nonce_policy(reporting: ServiceClient) -> None:
    del reporting.headers["authorization"]  # a browser's first visit
    first = await reporting.get("/dashboard")
    assert first.status_code == 200
    csp = first.headers["content-security-policy"]
    nonce = re.search(r"script-src 'nonce-([^']+)'", csp)
    assert nonce is not None
    assert f"style-src 'nonce-{nonce[1]}'" in csp
    for directive in ("default-src 'none'", "connect-src 'self'", "form-action 'self'"):
        assert directive in csp
    assert "unsafe-inline" not in csp
    # Every inline block carries the nonce; no inline handler a nonce policy would block.
    assert first.text.count(f"nonce='{nonce[1]}'") == 2
    assert len(re.findall(r"<script|<style", first.text)) == 2
    assert not re.search(r"\son[a-z]+=", first.text)
    # Without a script the form posts to the token endpoint, never the password in a URL.
    assert "<form id='login' method='post' action='/auth/token'>" in first.text
    second = await reporting.get("/dashboard")
    assert second.headers["content-security-policy"] != csp  # a nonce per response


@pytest.mark.parametrize("role", sorted(EXPECTED))
async def test_each_role_sees_its_panels(reporting: ServiceClient, role: str) -> None:
    today = dt.date.today()
    await feed(
        reporting,
        [
            b.stock_moved(1, "receipt", "W1", b.moment(today), [("A", "W1", Decimal(2), TEN)]),
            b.invoice_issued(1, "acme", today, [("A", Decimal(1), TEN)]),
            b.journal(1, today, [("1200", TEN, Decimal(0)), ("4000", Decimal(0), TEN)]),
        ],
    )
    answer = await reporting.get("/dashboard", headers=reporting.auth(role))
    assert answer.status_code == 200, answer.text
    assert panels(answer.text) == EXPECTED[role]
    assert "nonce-" in answer.headers["content-security-policy"]
    fragment = await reporting.get(
        "/dashboard", params={"fragment": "1"}, headers=reporting.auth(role)
    )
    assert panels(fragment.text) == EXPECTED[role]
    kpis = fragment.text.split("id='key-figures'")[1].split("</section>")[0]
    assert "Stock value" in kpis
    assert ("Net profit YTD" in kpis) == (role != "warehouse")


async def test_a_token_without_a_reading_role_is_refused(reporting: ServiceClient) -> None:
    answer = await reporting.get("/dashboard", headers=reporting.auth())
    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("application/problem+json")


def card(html: str, panel: str) -> str:
    return html.split(f"id='{panel}'>")[1].split("</section>")[0]


async def test_due_this_week_and_unbilled_receipts(reporting: ServiceClient) -> None:
    today = dt.date.today()
    week = today + dt.timedelta(days=7)
    await feed(
        reporting,
        [
            # due in three days, overdue since yesterday, due after the week: not shown
            b.bill_posted(
                1, "Acme Supplies", today, today + dt.timedelta(days=3), Decimal("1250.5")
            ),
            b.invoice_issued(
                1, "Late & Co", today, [("A", Decimal(1), TEN)], due=today - dt.timedelta(days=1)
            ),
            b.bill_posted(2, "Far Off", today, week + dt.timedelta(days=1), TEN),
            # goods received, 300.00 not invoiced yet; 100.00 of them billed
            b.journal(
                1, today, [("1300", Decimal(300), Decimal(0)), ("2150", Decimal(0), Decimal(300))]
            ),
            b.journal(
                2, today, [("2150", Decimal(100), Decimal(0)), ("2100", Decimal(0), Decimal(100))]
            ),
        ],
    )
    answer = await reporting.get("/dashboard", params={"fragment": "1"})
    assert answer.status_code == 200, answer.text
    due = card(answer.text, "due-this-week")
    assert "Acme Supplies" in due and "1,250.50" in due and "To pay" in due
    assert "Late &amp; Co" in due and "To collect" in due
    assert due.count("class='pill overdue'") == 1  # the invoice due yesterday
    assert "Far Off" not in due
    assert "10.00 overdue" in due  # the receivables line per currency
    unbilled = card(answer.text, "unbilled-receipts")
    assert "200.00" in unbilled
    warehouse = await reporting.get(
        "/dashboard", params={"fragment": "1"}, headers=reporting.auth("warehouse")
    )
    assert "due-this-week" not in warehouse.text and "unbilled-receipts" not in warehouse.text


async def test_due_this_week_says_when_nothing_is_due(reporting: ServiceClient) -> None:
    answer = await reporting.get("/dashboard", params={"fragment": "1"})
    assert "Nothing falls due" in card(answer.text, "due-this-week")
    assert "0.00" in card(answer.text, "unbilled-receipts")
