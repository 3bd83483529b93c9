"""`erp reporting ...` commands."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from erp.platform.cli_errors import database_url
from erp.platform.db import Database
from erp.platform.settings import load_settings
from erp.reporting.domain.rebuild import rebuild as rebuild_models
from erp.reporting.main import SPEC


async def rebuild() -> int:
    """Drop and rebuild every read model from the kept events, with a progress bar."""
    console = Console()
    settings = load_settings(SPEC.settings_cls)
    db = Database(database_url(SPEC.name, settings))
    columns = (
        TextColumn("[bold]rebuilding read models"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("events"),
        TimeRemainingColumn(),
    )
    try:
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("rebuild", total=None)
            async with db.transaction() as conn:
                replayed = await rebuild_models(
                    conn,
                    on_start=lambda total: progress.update(task, total=total),
                    advance=lambda n: progress.advance(task, n),
                )
    finally:
        await db.dispose()
    console.print(f"[green]ok[/green]: {replayed} events replayed into fresh read models")
    return 0
