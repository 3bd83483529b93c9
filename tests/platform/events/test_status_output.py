"""`erp events status` stays readable in 80 columns: names are never cut, a name longer than
its column folds onto the next line, and `--output json` gives scripts every figure."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
from pathlib import Path

import pytest

from erp import registry
from erp.platform.db import Database
from erp.platform.events.cli import print_status
from tests.platform.events import sample
from tests.support.processes import erp_command

COLUMNS = 80


def run_status(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ERP_")}
    env.update(ERP_DATA_DIR=str(data), COLUMNS=str(COLUMNS))
    return subprocess.run(
        erp_command("events", "status", *args),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("status") / "var"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ERP_")}
    subprocess.run(
        erp_command("migrate"), env={**env, "ERP_DATA_DIR": str(data)}, check=True,
        capture_output=True, timeout=120,
    )  # fmt: skip
    return data


def every_topic() -> dict[str, list[str]]:
    return {name: sorted(registry.load(name).subscriptions) for name in registry.names()}


def test_every_service_and_topic_name_shows_in_full_at_80_columns(migrated: Path) -> None:
    result = run_status(migrated)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "…" not in out
    assert all(len(line) <= COLUMNS for line in out.splitlines())
    for service, topics in every_topic().items():
        assert f" {service} " in out
        for topic in topics:
            assert f" {topic} " in out, topic


def test_json_output_has_every_figure(migrated: Path) -> None:
    result = run_status(migrated, "--output", "json")
    assert result.returncode == 0, result.stderr
    services = {s["service"]: s for s in json.loads(result.stdout)["services"]}
    assert {name: [t["topic"] for t in s["topics"]] for name, s in services.items()} == (
        every_topic()
    )
    assert services["inventory"]["outbox_backlog"] == 0
    assert services["inventory"]["transport"] == "inprocess"
    assert all(s["error"] is None for s in services.values())


def topic_cells(out: str) -> list[str]:
    """The consumers table's topic column, each folded name joined back together."""
    table = out[out.index("Consumers") :]
    topics: list[str] = []
    for line in table.splitlines():
        cells = [c.strip() for c in line.split("│")]
        if len(cells) != 7:  # borders and headings
            continue
        _, _, topic, lag, _, _, _ = cells
        if lag:
            topics.append(topic)
        else:  # a folded name goes on in the next line, the figures left blank
            topics[-1] += topic
    return topics[1:] if topics and topics[0] == "topic" else topics


async def test_a_name_longer_than_its_column_folds_instead_of_being_cut(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    long_topic = "ledger.credited-with-a-name-far-longer-than-any-column-of-an-80-column-terminal"
    spec = dataclasses.replace(
        sample.spec("a-ledger-service-with-a-long-name"),
        subscriptions={long_topic: sample.on_credited, sample.TOPIC: sample.on_credited},
    )
    url = f"sqlite+aiosqlite:///{tmp_path / 'ledger.db'}"
    db = Database(url)
    await sample.create_schema(db)
    await db.dispose()
    monkeypatch.setenv("ERP_DATABASE_URL", url)
    monkeypatch.setenv("ERP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COLUMNS", str(COLUMNS))

    assert await print_status([spec]) == 0
    out = capsys.readouterr().out
    assert "…" not in out
    assert all(len(line) <= COLUMNS for line in out.splitlines())
    assert topic_cells(out) == sorted(spec.subscriptions)
