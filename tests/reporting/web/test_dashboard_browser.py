"""The dashboard in headless Chromium against a real reporting server with data: it renders,
logs no console error, and shows its charts; signing in through sessionStorage works too.

Chromium comes from tests/tools/install-chromium.sh; with CI=true a missing browser fails.
Set ERP_DASHBOARD_SCREENSHOT=path to keep the screenshot.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from erp.platform.auth import mint_token
from erp.platform.db import Database
from erp.platform.db.migrations import upgrade
from erp.reporting.events.handlers import handle
from erp.reporting.main import SPEC
from tests.reporting.demo import demo_events
from tests.support.browser import Browser, chromium, open_tab
from tests.support.clients import JWT_SECRET
from tests.support.processes import erp_process

pytestmark = pytest.mark.slow


async def seed(url: str) -> None:
    db = Database(url)
    try:
        today = dt.datetime.now(dt.UTC).date()
        for item in demo_events(today):
            await db.run(lambda conn, item=item: handle(conn, item))  # type: ignore[misc]
    finally:
        await db.dispose()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'reporting.db'}"
    upgrade(SPEC.migrations, url)
    asyncio.run(seed(url))
    env = {"ERP_DATABASE_URL": url, "ERP_JWT_SECRET": JWT_SECRET, "ERP_LOG_LEVEL": "WARNING"}
    with erp_process(["serve", "reporting"], env, tmp_path) as proc:
        proc.wait_ready()
        yield proc.url


@pytest.fixture
def chromium_port(tmp_path: Path) -> Iterator[int]:
    with chromium(tmp_path) as port:
        yield port


@pytest.fixture
async def browser(chromium_port: int) -> AsyncIterator[Browser]:
    async with open_tab(chromium_port, "Page", "Runtime", "Log", "Network") as tab:
        yield tab


CHARTS_READY = "document.querySelectorAll('svg.chart').length >= 3"


async def test_dashboard_renders_charts_without_console_errors(
    server: str, browser: Browser
) -> None:
    token = mint_token(JWT_SECRET, subject="ana", roles=["viewer"], ttl_seconds=600)
    await browser.send("Network.setExtraHTTPHeaders", headers={"Authorization": f"Bearer {token}"})
    await browser.send("Page.navigate", url=f"{server}/dashboard")
    await browser.until(CHARTS_READY)
    assert (
        await browser.evaluate("document.querySelectorAll('#stock-value-by-warehouse rect').length")
        >= 4
    )
    assert (
        await browser.evaluate(
            "document.querySelectorAll('#sales-and-margin-by-month rect').length"
        )
        >= 24
    )
    assert await browser.evaluate("!!document.querySelector('#reconciliation .pill')")
    assert await browser.evaluate("document.querySelectorAll('#low-stock svg.gauge').length") >= 1
    shot = await browser.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
    png = base64.b64decode(shot["data"])
    assert png.startswith(b"\x89PNG") and len(png) > 20_000
    keep = os.environ.get("ERP_DASHBOARD_SCREENSHOT")
    if keep:
        await asyncio.to_thread(Path(keep).write_bytes, png)
    assert browser.problems == []


async def test_dashboard_sign_in_keeps_the_token_in_session_storage(
    server: str, browser: Browser
) -> None:
    await browser.send("Page.navigate", url=f"{server}/dashboard")
    await browser.until("!!document.getElementById('login')")
    assert await browser.evaluate("document.querySelectorAll('svg.chart').length") == 0
    token = mint_token(JWT_SECRET, subject="ana", roles=["accountant"], ttl_seconds=600)
    await browser.evaluate(f"sessionStorage.setItem('erp.reporting.token', '{token}')")
    await browser.send("Page.reload")
    await browser.until(CHARTS_READY)
    assert "ana" in await browser.evaluate("document.querySelector('header .meta').textContent")
    assert browser.problems == []
