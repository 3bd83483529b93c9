"""The dashboard of a real `erp up`, in headless Chromium, through the gateway: a user types
their name and password, signs in, and sees the figures of stock posted through the gateway
under the page's own CSP (no violation); each role sees its panels; the session is renewed
before it expires, and an ended session returns to the sign-in form saying so.

Chromium comes from tests/tools/install-chromium.sh; with CI=true a missing browser fails.
Set ERP_DASHBOARD_SCREENSHOT=path to keep the screenshot of the admin's page.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import os
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.browser import Browser, chromium, open_tab
from tests.support.processes import erp_up

pytestmark = pytest.mark.slow
ADMIN_PASSWORD = "dashboard-admin-pass"
PASSWORD = "dashboard-user-pass"
USERS = {"wes": "warehouse", "ana": "accountant", "vic": "viewer"}
SKU, NEVER = "CHAIR-E2E", "TABLE-E2E"
# 7 chairs at 12.50 each: the stock value the page must show.
RECEIVED, UNIT_COST, STOCK_VALUE = Decimal(7), Decimal("12.50"), "87.50"
# A rent bill due in three days (due this week); the receipt not billed yet (unbilled receipts).
RENT, RENT_SHOWN = "1200.00", "1,200.00"
# Violations of the page's policy, collected by the page itself (DevTools injects this before
# any of the page's scripts, outside its CSP).
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
"""
SIGNED_IN = "!!document.getElementById('sign-out') && !document.getElementById('login')"
SIGN_IN_FORM = "!!document.getElementById('login')"


@dataclass
class System:
    url: str
    admin: httpx.Client


def _setup(url: str) -> httpx.Client:
    """Users of each role, an item with stock and one never received, through the gateway."""
    login = httpx.post(
        f"{url}/auth/token", data={"username": "admin", "password": ADMIN_PASSWORD}, timeout=10
    )
    assert login.status_code == 200, login.text
    admin = httpx.Client(
        base_url=url,
        headers={"Authorization": f"Bearer {login.json()['access_token']}"},
        timeout=20,
    )
    for name, role in USERS.items():
        made = admin.post(
            "/api/gateway/users", json={"username": name, "password": PASSWORD, "roles": [role]}
        )
        assert made.status_code == 201, made.text
    steps = [
        ("/api/inventory/warehouses", {"code": "MAIN", "name": "Main store"}),
        (
            "/api/inventory/items",
            {"sku": SKU, "name": "Oak chair", "uom": "pcs", "reorder_point": "10"},
        ),
        (
            "/api/inventory/items",
            {"sku": NEVER, "name": "Dining table", "uom": "pcs", "reorder_point": "3"},
        ),
        (
            "/api/inventory/movements",
            {
                "type": "receipt",
                "warehouse": "MAIN",
                "reference": "delivery:1",
                "lines": [{"sku": SKU, "quantity": str(RECEIVED), "unit_cost": str(UNIT_COST)}],
            },
        ),
        ("/api/finance/suppliers", {"code": "LANDLORD", "name": "Landlord Ltd"}),
        (
            "/api/finance/bills",
            {
                "supplier": "LANDLORD",
                "number": "RENT-12",
                "due_date": (dt.date.today() + dt.timedelta(days=3)).isoformat(),
                "lines": [{"account": "6100", "quantity": "1", "unit_price": RENT}],
            },
        ),
    ]
    for path, body in steps:
        answer = admin.post(path, json=body)
        assert answer.status_code == 201, (path, answer.text)
    return admin


def _wait_for_read_models(admin: httpx.Client) -> None:
    """Reporting applies the events asynchronously: wait until it holds the receipt and the
    items (the low-stock report names the item never received)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        stock = admin.get("/reports/stock-valuation").json()
        low = admin.get("/reports/low-stock").json()
        owed = admin.get("/reports/ap-aging").json()
        tb = admin.get("/reports/trial-balance").json()
        values = {r["sku"]: Decimal(r["value"]) for r in stock.get("rows", [])}
        unbilled = {r["account"]: Decimal(r["credit"]) for r in tb.get("rows", [])}.get("2150")
        if (
            values.get(SKU) == Decimal(STOCK_VALUE)
            and any(r["sku"] == NEVER for r in low.get("rows", []))
            and [Decimal(r["total"]) for r in owed.get("rows", [])] == [Decimal(RENT)]
            and unbilled == Decimal(STOCK_VALUE)
        ):
            return
        time.sleep(0.2)
    raise AssertionError(f"reporting did not catch up: {stock} {low} {owed} {tb}")


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    tmp = tmp_path_factory.mktemp("dashboard-up")
    with erp_up(tmp, ADMIN_PASSWORD) as proc:
        admin = _setup(proc.url)
        try:
            _wait_for_read_models(admin)
            yield System(proc.url, admin)
        finally:
            admin.close()


@pytest.fixture
def chromium_port(tmp_path: Path) -> Iterator[int]:
    with chromium(tmp_path) as port:
        yield port


@pytest.fixture
async def browser(chromium_port: int) -> AsyncIterator[Browser]:
    async with open_tab(chromium_port, "Page", "Runtime", "Log") as tab:
        await tab.send("Page.addScriptToEvaluateOnNewDocument", source=WATCH_CSP)
        yield tab


async def click(browser: Browser, selector: str) -> None:
    """A real mouse click in the middle of the element."""
    box = await browser.evaluate(
        f"(function(){{const r = document.querySelector({json.dumps(selector)})"
        ".getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2];})()"
    )
    for kind in ("mousePressed", "mouseReleased"):
        await browser.send(
            "Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1], button="left", clickCount=1
        )


async def sign_in(browser: Browser, username: str, password: str) -> None:
    """Type into the form and press the button, as a person would."""
    await browser.until(SIGN_IN_FORM)
    for field, text in (("username", username), ("password", password)):
        await browser.evaluate(f"document.getElementById('{field}').focus()")
        await browser.send("Input.insertText", text=text)
    await click(browser, "#login button[type=submit]")
    await browser.until(SIGNED_IN)


async def sign_out(browser: Browser) -> None:
    await click(browser, "#sign-out")
    await browser.until(SIGN_IN_FORM)


async def text_of(browser: Browser, selector: str) -> str:
    found = await browser.evaluate(
        f"(document.querySelector({json.dumps(selector)}) || {{}}).textContent || ''"
    )
    return str(found)


async def panels(browser: Browser) -> set[str]:
    found = await browser.evaluate("[...document.querySelectorAll('section.card')].map(s => s.id)")
    return set(found) - {"key-figures"}


async def no_policy_violations(browser: Browser) -> None:
    assert await browser.evaluate("window.__csp") == []
    assert browser.problems == []


async def session(browser: Browser) -> dict[str, Any]:
    found: dict[str, Any] = await browser.evaluate(
        "({token: sessionStorage.getItem('erp.reporting.token'),"
        " refresh: sessionStorage.getItem('erp.reporting.refresh'),"
        " expires: Number(sessionStorage.getItem('erp.reporting.expires'))})"
    )
    return found


async def test_signing_in_through_the_gateway_shows_the_posted_stock(
    system: System, browser: Browser, tmp_path: Path
) -> None:
    await browser.send("Page.navigate", url=f"{system.url}/dashboard")
    await sign_in(browser, "admin", ADMIN_PASSWORD)
    await browser.until("document.querySelectorAll('svg.chart').length >= 3")
    # The posted receipt, on screen: the stock value and the warehouse's bar.
    assert STOCK_VALUE in await text_of(browser, "#key-figures")
    assert STOCK_VALUE in await text_of(browser, "#stock-value-by-warehouse")
    low = await text_of(browser, "#low-stock")
    assert "Oak chair" in low and "7 pcs" in low  # 7 below its reorder point of 10
    assert "Dining table" in low and "none held" in low  # never received
    due = await text_of(browser, "#due-this-week")
    assert "LANDLORD" in due and "RENT-12" in due and RENT_SHOWN in due
    assert STOCK_VALUE in await text_of(browser, "#unbilled-receipts")
    assert await panels(browser) == {
        "stock-value-by-warehouse",
        "sales-and-margin-by-month",
        "profit-and-loss",
        "reconciliation",
        "ar-aging",
        "due-this-week",
        "unbilled-receipts",
        "stock-movements",
        "low-stock",
    }
    # Styled: the stylesheet ran under the nonce (a blocked one leaves the header white).
    header = await browser.evaluate(
        "getComputedStyle(document.querySelector('header')).backgroundColor"
    )
    assert header == "rgb(30, 39, 46)"
    shot = await browser.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
    png = base64.b64decode(shot["data"])
    path = Path(os.environ.get("ERP_DASHBOARD_SCREENSHOT") or tmp_path / "dashboard.png")
    await asyncio.to_thread(path.write_bytes, png)
    assert png.startswith(b"\x89PNG") and len(png) > 20_000
    await no_policy_violations(browser)


async def test_each_role_sees_its_panels(system: System, browser: Browser) -> None:
    await browser.send("Page.navigate", url=f"{system.url}/dashboard")
    await sign_in(browser, "wes", PASSWORD)
    assert await panels(browser) == {"stock-value-by-warehouse", "stock-movements", "low-stock"}
    assert STOCK_VALUE in await text_of(browser, "#key-figures")
    assert "Net profit" not in await text_of(browser, "main")
    await sign_out(browser)

    await sign_in(browser, "ana", PASSWORD)
    assert await panels(browser) == {
        "stock-value-by-warehouse",
        "sales-and-margin-by-month",
        "profit-and-loss",
        "reconciliation",
        "ar-aging",
        "due-this-week",
        "unbilled-receipts",
    }
    assert STOCK_VALUE in await text_of(browser, "#key-figures")
    await sign_out(browser)

    await sign_in(browser, "vic", PASSWORD)
    assert {"profit-and-loss", "low-stock"} <= await panels(browser)
    await no_policy_violations(browser)


async def test_the_session_is_renewed_before_it_expires(system: System, browser: Browser) -> None:
    await browser.send("Page.navigate", url=f"{system.url}/dashboard")
    await sign_in(browser, "vic", PASSWORD)
    first = await session(browser)
    assert first["refresh"] and first["expires"] > time.time() * 1000 + 800_000  # 15 minutes
    # As if the token had two seconds left: reopening the page renews it in time.
    soon = int(time.time() * 1000) + 2000
    await browser.evaluate(f"sessionStorage.setItem('erp.reporting.expires', '{soon}')")
    await browser.send("Page.reload")
    await browser.until(
        f"sessionStorage.getItem('erp.reporting.token') !== {json.dumps(first['token'])}"
    )
    await browser.until(SIGNED_IN)
    renewed = await session(browser)
    assert renewed["refresh"] != first["refresh"]  # refresh tokens rotate
    assert renewed["expires"] > time.time() * 1000 + 800_000
    await asyncio.sleep(2.5)  # past the old expiry: still signed in, figures on screen
    assert await browser.evaluate(SIGNED_IN)
    assert STOCK_VALUE in await text_of(browser, "#key-figures")
    await no_policy_violations(browser)


async def test_an_ended_session_returns_to_the_sign_in_form(
    system: System, browser: Browser
) -> None:
    await browser.send("Page.navigate", url=f"{system.url}/dashboard")
    await sign_in(browser, "wes", PASSWORD)
    # The renewal is refused (a used-up refresh token): at expiry the figures give way.
    soon = int(time.time() * 1000) + 2500
    await browser.evaluate(
        "sessionStorage.setItem('erp.reporting.refresh', 'used-up');"
        f"sessionStorage.setItem('erp.reporting.expires', '{soon}')"
    )
    await browser.send("Page.reload")
    await browser.until(SIGNED_IN)
    await browser.until("!document.getElementById('notice').hidden")
    assert "could not be renewed" in await text_of(browser, "#notice")
    await browser.until(SIGN_IN_FORM, seconds=10)
    assert "session has expired" in await text_of(browser, "#login-error")
    assert await browser.evaluate("document.querySelectorAll('svg.chart').length") == 0
    assert await browser.evaluate("sessionStorage.getItem('erp.reporting.token')") is None

    # A token the services refuse (401) ends the session the same way.
    await sign_in(browser, "wes", PASSWORD)
    await browser.evaluate("sessionStorage.setItem('erp.reporting.token', 'not-a-token')")
    await browser.send("Page.reload")
    await browser.until(SIGN_IN_FORM)
    await browser.until("document.getElementById('login-error').textContent.length > 0")
    assert "session has expired" in await text_of(browser, "#login-error")
    # The refused 401 is logged by the browser as a failed resource; nothing else may be.
    assert all("401" in p for p in browser.problems), browser.problems
    assert await browser.evaluate("window.__csp") == []
