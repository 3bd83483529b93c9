"""`erp finance verify` against a real inventory server process."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

from sqlalchemy import update

from erp.finance.models import accounts, journal_lines
from tests.finance.conftest import ERP, erp_env, free_port
from tests.finance.support import Service, pump
from tests.finance.test_invoices import invoice_body, receive, setup_stock


async def _verify(finance_url: str, inventory: str, tmp_path: Path) -> tuple[int, str]:
    env = erp_env(
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


async def test_a_party_whose_control_account_differs_from_its_documents_is_named(
    finance: Service, inventory: Service, inventory_server: str, finance_url: str, tmp_path: Path
) -> None:
    await setup_stock(inventory, ("W-1", "10", "4.00"))
    draft = await finance.ok("POST", "/invoices", invoice_body(("W-1", "2", "10.00", "0")))
    await finance.ok("POST", f"/invoices/{draft['id']}/issue")
    await pump(inventory, finance)
    await finance.ok("POST", "/payments", {"invoice": draft["id"], "amount": "5.00"})
    code, out = await _verify(finance_url, inventory_server, tmp_path)
    assert code == 0, out

    # The payment's receivable line named for another customer: every entry still balances
    # and the invoice still equals its lines, but the two customers' balances do not.
    async with finance.db.transaction() as conn:
        await conn.execute(
            update(journal_lines)
            .where(journal_lines.c.account == "1200", journal_lines.c.credit == 5)
            .values(party="ZETA")
        )
    code, out = await _verify(finance_url, inventory_server, tmp_path)
    assert code == 1, out
    assert "customer ACME" in out and "customer ZETA" in out, out
    assert "invoice " not in out and "entry " not in out, out


async def test_verify_fails_when_inventory_is_unreachable(
    finance: Service, finance_url: str, tmp_path: Path
) -> None:
    code, out = await _verify(finance_url, f"http://127.0.0.1:{free_port()}", tmp_path)
    assert code == 1 and "inventory" in out
