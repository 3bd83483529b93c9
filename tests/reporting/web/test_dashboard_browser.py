"""The dashboard in headless Chromium against a real reporting server with data: it renders,
logs no console error, and shows its charts; signing in through sessionStorage works too.

Chromium comes from tests/tools/install-chromium.sh; with CI=true a missing browser fails.
Set ERP_DASHBOARD_SCREENSHOT=path to keep the screenshot.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import itertools
import json
import os
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from erp.platform.auth import mint_token
from erp.platform.db import Database
from erp.platform.db.migrations import upgrade
from erp.reporting.events.handlers import handle
from erp.reporting.main import SPEC
from tests.reporting.demo import demo_events
from tests.support.clients import JWT_SECRET
from tests.support.processes import erp_process, free_port
from tests.support.services import IN_CI

pytestmark = pytest.mark.slow


def chromium_binary() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    message = "chromium not installed (run tests/tools/install-chromium.sh)"
    if IN_CI:
        pytest.fail(message + "; required when CI=true")
    pytest.skip(message)


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


class Browser:
    """Just enough of the DevTools protocol: send commands, collect console problems."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.ids = itertools.count(1)
        self.problems: list[str] = []
        self.waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.ws:
            data = json.loads(message.data)
            if "id" in data and data["id"] in self.waiting:
                self.waiting.pop(data["id"]).set_result(data)
                continue
            method, params = data.get("method"), data.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                self.problems.append(json.dumps(params.get("args"))[:300])
            elif method == "Runtime.exceptionThrown":
                self.problems.append(json.dumps(params.get("exceptionDetails"))[:300])
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                self.problems.append(params["entry"].get("text", "")[:300])

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        ident = next(self.ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.waiting[ident] = future
        await self.ws.send_json({"id": ident, "method": method, "params": params})
        reply = await asyncio.wait_for(future, 30)
        assert "error" not in reply, reply
        result: dict[str, Any] = reply.get("result", {})
        return result

    async def evaluate(self, expression: str) -> Any:
        reply = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return reply["result"].get("value")

    async def until(self, expression: str, seconds: float = 15) -> None:
        deadline = asyncio.get_running_loop().time() + seconds
        while not await self.evaluate(expression):
            assert asyncio.get_running_loop().time() < deadline, f"timed out: {expression}"
            await asyncio.sleep(0.1)


@pytest.fixture
def chromium(tmp_path: Path) -> Iterator[int]:
    """A headless Chromium listening for DevTools on a free port."""
    binary = chromium_binary()
    port = free_port()
    proc = subprocess.Popen(
        [
            binary,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-dev-shm-usage",
            f"--remote-debugging-port={port}",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1360,1500",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
async def browser(chromium: int) -> AsyncIterator[Browser]:
    async with aiohttp.ClientSession() as session:

        async def pages() -> list[dict[str, Any]]:
            async with session.get(f"http://127.0.0.1:{chromium}/json/list") as r:
                return [t for t in await r.json() if t["type"] == "page"]

        targets: list[dict[str, Any]] = []
        for _ in range(100):
            try:
                targets = await pages()
                if targets:
                    break
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
        assert targets, "chromium did not open a page"
        async with session.ws_connect(targets[0]["webSocketDebuggerUrl"], max_msg_size=0) as ws:
            tab = Browser(ws)
            for domain in ("Page", "Runtime", "Log", "Network"):
                await tab.send(f"{domain}.enable")
            yield tab
            tab.reader.cancel()


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
