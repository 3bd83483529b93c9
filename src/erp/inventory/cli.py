"""`erp inventory ...` commands."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from erp.inventory.domain.verify import verify_balances
from erp.inventory.main import SPEC
from erp.platform.cli_errors import database_url
from erp.platform.db import Database
from erp.platform.settings import load_settings


async def verify() -> int:
    """Print the result; 0 when every bin equals the ledger, 1 otherwise."""
    console = Console()
    settings = load_settings(SPEC.settings_cls)
    db = Database(database_url(SPEC.name, settings))
    try:
        async with db.read() as conn:
            checked, mismatches = await verify_balances(conn)
    finally:
        await db.dispose()
    if not mismatches:
        console.print(f"[green]ok[/green]: {checked} stock balances equal the ledger")
        return 0
    table = Table("sku", "warehouse", "field", "kept", "recomputed", title="Mismatches")
    for m in mismatches:
        table.add_row(m.sku, m.warehouse, m.field, str(m.kept), str(m.recomputed))
    console.print(table)
    console.print(f"[red]{len(mismatches)} mismatch(es)[/red] in {checked} balances")
    return 1
