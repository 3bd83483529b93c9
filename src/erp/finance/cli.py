"""`erp finance ...` commands."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from decimal import Decimal

import aiohttp
from rich.console import Console
from rich.table import Table

from erp.finance.config import FinanceSettings
from erp.finance.domain.verify import Mismatch, inventory_balance, verify_books
from erp.finance.inventory_client import Get
from erp.finance.main import SPEC
from erp.platform.auth import mint_token
from erp.platform.cli_errors import database_url
from erp.platform.db import Database
from erp.platform.secrets import jwt_secret
from erp.platform.settings import load_settings

PAGE = 500

# The embedded system's inventory, reached in this process (given by the `erp` launcher, as
# a service never imports another one).
LocalService = Callable[[], AbstractAsyncContextManager[Get]]


@asynccontextmanager
async def _over_http(settings: FinanceSettings) -> AsyncIterator[Get]:
    timeout = aiohttp.ClientTimeout(total=settings.inventory_timeout_seconds)
    async with aiohttp.ClientSession(timeout=timeout) as session:

        async def get(
            path: str, params: Mapping[str, str], headers: Mapping[str, str]
        ) -> tuple[int, bytes]:
            url = f"{settings.inventory_url}{path}"
            async with session.get(url, params=dict(params), headers=dict(headers)) as response:
                return response.status, await response.read()

        yield get


def _inventory(
    settings: FinanceSettings, local: LocalService | None
) -> AbstractAsyncContextManager[Get]:
    if settings.inventory_url:
        return _over_http(settings)
    # The embedded default (no ERP_DATABASE_URL: every service's SQLite file under
    # ERP_DATA_DIR) needs no address: inventory's own app answers on its own file.
    if settings.database_url is None and local is not None:
        return local()
    raise RuntimeError(
        "ERP_INVENTORY_URL is not set; set it to the inventory service's address "
        "(e.g. http://inventory:8000) to compare its valuation"
    )


async def inventory_valuation(
    settings: FinanceSettings, local: LocalService | None = None
) -> Decimal:
    """Sum of `value` over every stock position the inventory service reports."""
    token = mint_token(jwt_secret(settings), subject="finance-verify", roles=["accountant"])
    headers = {"Authorization": f"Bearer {token}"}
    total, cursor = Decimal(0), None
    async with _inventory(settings, local) as get:
        while True:
            params = {"limit": str(PAGE), **({"cursor": cursor} if cursor else {})}
            status, body = await get("/stock", params, headers)
            if status != 200:
                detail = body[:200].decode(errors="replace")
                raise RuntimeError(f"inventory answered {status}: {detail}")
            page = json.loads(body)
            total += sum((Decimal(str(row["value"])) for row in page["items"]), Decimal(0))
            cursor = page.get("next_cursor")
            if not cursor:
                return total


async def verify(local_inventory: LocalService | None = None) -> int:
    """Print the result; 0 when the books agree with themselves and with inventory."""
    console = Console()
    settings = load_settings(FinanceSettings)
    db = Database(database_url(SPEC.name, settings))
    try:
        async with db.read() as conn:
            checked, mismatches = await verify_books(conn)
            kept = await inventory_balance(conn)
    finally:
        await db.dispose()
    try:
        valuation = await inventory_valuation(settings, local_inventory)
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
