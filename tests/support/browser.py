"""Headless Chromium driven over the DevTools protocol, for tests that look at a page.

Chromium comes from tests/tools/install-chromium.sh; with CI=true a missing browser fails.
The flags keep it off the network it cannot reach here (no background fetches, no updates).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.support.processes import free_port
from tests.support.services import IN_CI


def chromium_binary() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    message = "chromium not installed (run tests/tools/install-chromium.sh)"
    if IN_CI:
        pytest.fail(message + "; required when CI=true")
    pytest.skip(message)


@contextmanager
def chromium(tmp_path: Path, *extra_args: str) -> Iterator[int]:
    """A headless Chromium with a fresh profile, listening for DevTools on a free port."""
    port = free_port()
    proc = subprocess.Popen(
        [
            chromium_binary(),
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            *extra_args,
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


@asynccontextmanager
async def open_tab(port: int, *domains: str) -> AsyncIterator[Browser]:
    """The first page of the Chromium on `port`, with `domains` enabled."""
    async with aiohttp.ClientSession() as session:
        targets: list[dict[str, Any]] = []
        for _ in range(100):
            try:
                async with session.get(f"http://127.0.0.1:{port}/json/list") as r:
                    targets = [t for t in await r.json() if t["type"] == "page"]
                if targets:
                    break
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
        assert targets, "chromium did not open a page"
        async with session.ws_connect(targets[0]["webSocketDebuggerUrl"], max_msg_size=0) as ws:
            tab = Browser(ws)
            for domain in domains:
                await tab.send(f"{domain}.enable")
            yield tab
            tab.reader.cancel()
