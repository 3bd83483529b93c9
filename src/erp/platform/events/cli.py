"""Console output of the `erp events ...` commands."""

from __future__ import annotations

import json
import sys
from typing import Any, Literal

import typer
from rich.console import Console
from rich.table import Table

from erp.platform.events.admin import (
    ServiceStatus,
    dead_letters,
    replay_dead_letters,
    service_status,
)
from erp.platform.service import ServiceSpec

Output = Literal["table", "json"]


def _as_json(statuses: list[ServiceStatus]) -> str:
    services: list[dict[str, Any]] = [
        {
            "service": s.service,
            "transport": s.transport,
            "outbox_backlog": s.backlog,
            "oldest_unsent_seconds": round(s.oldest_age_seconds, 3) if s.backlog else None,
            "error": s.error,
            "topics": [
                {
                    "topic": t.topic,
                    "lag": t.lag,
                    "pending": t.pending,
                    "dead_letters": t.dead_letters,
                }
                for t in s.topics
            ],
        }
        for s in statuses
    ]
    return json.dumps({"services": services}, indent=2)


def _tables(statuses: list[ServiceStatus]) -> tuple[Table, Table]:
    # Two narrow tables rather than one wide one: each fits 80 columns with the names in full,
    # and a longer name folds onto the next line instead of losing its end.
    outboxes = Table(title="Outboxes")
    outboxes.add_column("service", overflow="fold")
    outboxes.add_column("transport", overflow="fold")
    outboxes.add_column("backlog", justify="right")
    outboxes.add_column("oldest unsent", justify="right")
    consumers = Table(title="Consumers")
    consumers.add_column("service", overflow="fold")
    consumers.add_column("topic", overflow="fold")
    for heading in ("lag", "pending", "dead letters"):
        consumers.add_column(heading, justify="right", no_wrap=True)
    for s in statuses:
        backlog = "-" if s.backlog is None else str(s.backlog)
        oldest = f"{s.oldest_age_seconds:.1f}s" if s.backlog else "-"
        outboxes.add_row(s.service, s.transport, backlog, oldest)
        for i, t in enumerate(s.topics):
            consumers.add_row(
                s.service if i == 0 else "",
                t.topic,
                "?" if t.lag is None else str(t.lag),
                str(t.pending),
                str(t.dead_letters),
            )
    return outboxes, consumers


async def print_status(specs: list[ServiceSpec], output: Output = "table") -> int:
    """Exit code: 0, or 1 when some figure could not be read (each cause on stderr, once)."""
    statuses = [await service_status(spec) for spec in specs]
    if output == "json":
        print(_as_json(statuses))
    else:
        console = Console()
        for table in _tables(statuses):
            console.print(table)
    # One line per cause: Redis down is one problem however many services report it.
    causes: dict[str, list[str]] = {}
    for s in statuses:
        if s.error:
            cause = s.error.replace(f"the {s.service} database", "the database")
            causes.setdefault(cause, []).append(s.service)
    for error, services in causes.items():
        print(f"erp: {', '.join(services)}: {error}", file=sys.stderr)
    return 1 if causes else 0


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
