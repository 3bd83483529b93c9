"""`erp finance ...` commands."""

from __future__ import annotations

from decimal import Decimal

import aiohttp
from rich.console import Console
from rich.table import Table

from erp.finance.config import FinanceSettings
from erp.finance.domain.verify import Mismatch, inventory_balance, verify_books
from erp.finance.main import SPEC
from erp.platform.auth import mint_token
from erp.platform.db import Database, normalise_url
from erp.platform.secrets import jwt_secret
from erp.platform.settings import load_settings

PAGE = 500


async def inventory_valuation(settings: FinanceSettings) -> Decimal:
    """Sum of `value` over every stock position the inventory service reports."""
    if not settings.inventory_url:
        raise RuntimeError("ERP_INVENTORY_URL is not set; cannot ask inventory for its valuation")
    token = mint_token(jwt_secret(settings), subject="finance-verify", roles=["accountant"])
    timeout = aiohttp.ClientTimeout(total=settings.inventory_timeout_seconds)
    total, cursor = Decimal(0), None
    async with aiohttp.ClientSession(
        timeout=timeout, headers={"Authorization": f"Bearer {token}"}
    ) as session:
        while True:
            params = {"limit": str(PAGE), **({"cursor": cursor} if cursor else {})}
            async with session.get(f"{settings.inventory_url}/stock", params=params) as response:
                if response.status != 200:
                    detail = (await response.text())[:200]
                    raise RuntimeError(f"inventory answered {response.status}: {detail}")
                page = await response.json()
            total += sum((Decimal(str(row["value"])) for row in page["items"]), Decimal(0))
            cursor = page.get("next_cursor")
            if not cursor:
                return total


async def verify() -> int:
    """Print the result; 0 when the books agree with themselves and with inventory."""
    console = Console()
    settings = load_settings(FinanceSettings)
    db = Database(
        normalise_url(settings.database_url, service=SPEC.name, data_dir=settings.data_dir)
    )
    try:
        async with db.read() as conn:
            checked, mismatches = await verify_books(conn)
            kept = await inventory_balance(conn)
    finally:
        await db.dispose()
    try:
        valuation = await inventory_valuation(settings)
    except (RuntimeError, aiohttp.ClientError, TimeoutError) as error:
        console.print(f"[red]cannot check the inventory account[/red]: {error}")
        return 1
    if kept != valuation:
        mismatches.append(Mismatch("account 1300", "inventory valuation", kept, valuation))
    if not mismatches:
        console.print(
            f"[green]ok[/green]: {checked} entries balance, account totals and open amounts "
            f"equal the journal, inventory account {kept} equals the inventory valuation"
        )
        return 0
    table = Table("what", "check", "kept", "recomputed / reported", title="Mismatches")
    for m in mismatches:
        table.add_row(m.what, m.check, str(m.kept), str(m.recomputed))
    console.print(table)
    console.print(f"[red]{len(mismatches)} mismatch(es)[/red]")
    return 1
