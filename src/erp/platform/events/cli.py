"""Console output of the `erp events ...` commands."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from erp.platform.events.admin import dead_letters, replay_dead_letters, service_status
from erp.platform.service import ServiceSpec


async def print_status(specs: list[ServiceSpec]) -> None:
    table = Table(
        "service",
        "transport",
        "outbox backlog",
        "oldest unsent",
        "topic",
        "lag",
        "pending",
        "dead letters",
        title="Events",
    )
    for spec in specs:
        s = await service_status(spec)
        if s.error:
            Console(stderr=True).print(f"[red]{s.service}[/red]: {s.error}")
        backlog = "-" if s.backlog is None else str(s.backlog)
        oldest = f"{s.oldest_age_seconds:.1f}s" if s.backlog else "-"
        if not s.topics:
            table.add_row(s.service, s.transport, backlog, oldest, "-", "-", "-", "-")
        for i, t in enumerate(s.topics):
            first = i == 0
            table.add_row(
                s.service if first else "",
                s.transport if first else "",
                backlog if first else "",
                oldest if first else "",
                t.topic,
                "?" if t.lag is None else str(t.lag),
                str(t.pending),
                str(t.dead_letters),
            )
    Console().print(table)


async def replay(specs: list[ServiceSpec], *, topic: str | None, confirm: bool) -> int:
    """Exit code: 0 done or nothing to do, 1 declined."""
    console = Console()
    plan = {spec.name: (spec, await dead_letters(spec, topic)) for spec in specs}
    plan = {name: entry for name, entry in plan.items() if entry[1]}
    if not plan:
        console.print("no dead letters")
        return 0
    for name, (_, counts) in plan.items():
        for t, n in counts.items():
            console.print(f"{name}: {n} dead letter(s) on {t}")
    if confirm and not typer.confirm("Replay them to their consumers?"):
        return 1
    for name, (spec, counts) in plan.items():
        moved = await replay_dead_letters(spec, list(counts))
        console.print(f"{name}: replayed {moved}")
    return 0
