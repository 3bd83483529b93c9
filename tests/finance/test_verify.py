"""`erp finance verify` against a real inventory server process."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from erp.finance.models import accounts
from tests.finance.support import SECRET, Service, pump
from tests.finance.test_invoices import invoice_body, receive, setup_stock

ERP = str(Path(sys.executable).parent / "erp")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ERP_")}
    env.update(
        ERP_JWT_SECRET=SECRET, ERP_LOG_LEVEL="WARNING", ERP_SHUTDOWN_DELAY_SECONDS="0", **values
    )
    return env


@pytest.fixture
def inventory_server(inventory_url: str, tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    env = _env(
        ERP_DATABASE_URL=inventory_url, ERP_PORT=str(port), ERP_HOST="127.0.0.1",
        ERP_DATA_DIR=str(tmp_path),
    )  # fmt: skip
    process = subprocess.Popen(
        [ERP, "serve", "inventory"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"inventory did not start: {process.stderr.read()!r}")  # type: ignore[union-attr]
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


async def _verify(finance_url: str, inventory: str, tmp_path: Path) -> tuple[int, str]:
    env = _env(
        ERP_DATABASE_URL=finance_url, ERP_INVENTORY_URL=inventory, ERP_DATA_DIR=str(tmp_path)
    )
    process = await asyncio.create_subprocess_exec(
        ERP, "finance", "verify", env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        cwd=tmp_path,
    )  # fmt: skip
    out, _ = await process.communicate()
    return int(process.returncode or 0), out.decode()


async def test_verify_passes_then_lists_mismatches(
    finance: Service,
    inventory: Service,
    inventory_server: str,
    finance_url: str,
    tmp_path: Path,
) -> None:
    await setup_stock(inventory, ("W-1", "10", "4.00"), ("W-2", "3", "2.50"))
    draft = await finance.ok("POST", "/invoices", invoice_body(("W-1", "3", "10.00", "20")))
    await finance.ok("POST", f"/invoices/{draft['id']}/issue")
    await pump(inventory, finance)
    await finance.ok("POST", "/payments", {"invoice": draft["id"], "amount": "36.00"})

    code, out = await _verify(finance_url, inventory_server, tmp_path)
    assert code == 0, out
    assert "ok" in out and "35.5" in out

    # A receipt that finance has not booked yet (its event not delivered): the stock is worth
    # 1.00 more than the inventory account says.
    await receive(inventory, "W-2", "1", "1.00")
    async with finance.db.transaction() as conn:
        await conn.execute(update(accounts).where(accounts.c.code == "1100").values(debit_total=99))
    code, out = await _verify(finance_url, inventory_server, tmp_path)
    assert code == 1, out
    assert "inventory valuation" in out and "36.50" in out
    assert "account 1100" in out and "debit total" in out


async def test_verify_fails_when_inventory_is_unreachable(
    finance: Service, finance_url: str, tmp_path: Path
) -> None:
    code, out = await _verify(finance_url, f"http://127.0.0.1:{_free_port()}", tmp_path)
    assert code == 1 and "inventory" in out
