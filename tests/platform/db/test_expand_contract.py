"""Expand/contract: the previous release stays ready on a schema that declares it still serves
it, and `erp migrate` refuses to break the running code unless asked."""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic.script import ScriptDirectory

from erp.inventory.main import SPEC
from erp.platform.db import Database
from erp.platform.db.migrations import (
    MigrationSet,
    breaking_steps,
    schema_problem,
    served_code,
    upgrade,
)
from erp.platform.launch import migrate_one
from tests.support.processes import erp_process

HEAD_N = SPEC.migrations.head()
EXPAND, CONTRACT = "20991230_0001", "20991231_0001"

MIGRATION = '''"""{doc}"""
import sqlalchemy as sa
from alembic import op

revision = "{revision}"
down_revision = "{down}"
branch_labels = None
depends_on = None
serves_code_from = {serves}


def upgrade() -> None:
    {body}


def downgrade() -> None:
    pass
'''


def _release(tmp_path: Path, name: str, *steps: tuple[str, str, str | None, str]) -> MigrationSet:
    """A later release's migrations: this code's, plus `steps` (revision, down, serves, body)."""
    source = Path(__file__).parents[3] / "src/erp/inventory/migrations"
    target = tmp_path / name
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
    for revision, down, serves, body in steps:
        (target / "versions" / f"{revision}_step.py").write_text(
            MIGRATION.format(doc=body, revision=revision, down=down, serves=repr(serves), body=body)
        )
    return dataclasses.replace(SPEC.migrations, script_location=str(target))


EXPAND_STEP = (
    EXPAND,
    str(HEAD_N),
    str(HEAD_N),
    'op.add_column("items", sa.Column("note", sa.Text()))',
)
CONTRACT_STEP = (CONTRACT, EXPAND, None, 'op.drop_column("items", "reorder_point")')


async def _problem(migrations: MigrationSet, url: str, head: str | None) -> str | None:
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            return await schema_problem(migrations, conn, head)
    finally:
        await db.dispose()


def test_served_code_follows_the_declarations(tmp_path: Path) -> None:
    scripts = ScriptDirectory.from_config(
        _release(tmp_path, "n2", EXPAND_STEP, CONTRACT_STEP).config("sqlite://")
    )
    assert served_code(scripts, EXPAND) == [EXPAND, HEAD_N]
    assert served_code(scripts, CONTRACT) == [CONTRACT]
    assert breaking_steps(scripts, HEAD_N, EXPAND) == []
    assert breaking_steps(scripts, HEAD_N, CONTRACT) == [CONTRACT]
    assert breaking_steps(scripts, EXPAND, CONTRACT) == [CONTRACT]
    assert breaking_steps(scripts, None, CONTRACT) == []  # a new database runs no old code


async def test_the_previous_code_serves_an_expanded_schema(
    database_for: Any, tmp_path: Path
) -> None:
    url = await database_for(SPEC)
    n1 = _release(tmp_path, "n1", EXPAND_STEP)
    await asyncio.to_thread(upgrade, n1, url)
    assert await _problem(SPEC.migrations, url, HEAD_N) is None  # N, after N+1's migration
    assert await _problem(n1, url, EXPAND) is None  # N+1 itself

    n2 = _release(tmp_path, "n2", EXPAND_STEP, CONTRACT_STEP)
    await asyncio.to_thread(upgrade, n2, url)
    problem = await _problem(SPEC.migrations, url, HEAD_N)
    assert problem is not None and f"database at revision {CONTRACT}" in problem
    assert await _problem(n1, url, EXPAND) is not None


def _migrate(
    migrations: MigrationSet, url: str, monkeypatch: pytest.MonkeyPatch, **options: bool
) -> None:
    monkeypatch.setenv("ERP_DATABASE_URL", url)
    migrate_one(dataclasses.replace(SPEC, migrations=migrations), **options)


async def test_erp_migrate_refuses_a_contract_step_unless_asked(
    database_for: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = await database_for(SPEC)
    await asyncio.to_thread(_migrate, _release(tmp_path, "n1", EXPAND_STEP), url, monkeypatch)
    n2 = _release(tmp_path, "n2", EXPAND_STEP, CONTRACT_STEP)
    with pytest.raises(SystemExit) as stopped:
        await asyncio.to_thread(_migrate, n2, url, monkeypatch)
    assert stopped.value.code == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [
        f"erp migrate inventory: revision {CONTRACT} stops code at {EXPAND} (the running "
        "release) from serving; ship it as the contract step of a later release, or pass "
        "--allow-breaking"
    ]
    assert await _problem(n2, url, EXPAND) is None  # nothing applied
    await asyncio.to_thread(_migrate, n2, url, monkeypatch, allow_breaking=True)
    assert await _problem(n2, url, CONTRACT) is None


def test_a_pod_of_the_previous_release_restarts_ready(postgres: Any, tmp_path: Path) -> None:
    url = asyncio.run(postgres.fresh(SPEC))
    asyncio.run(asyncio.to_thread(upgrade, _release(tmp_path, "n1", EXPAND_STEP), url))
    env = {"ERP_DATABASE_URL": url, "ERP_DATA_DIR": str(tmp_path)}
    with erp_process(["serve", "inventory"], env, tmp_path) as pod:
        pod.wait_ready()
    upgrade(_release(tmp_path, "n2", EXPAND_STEP, CONTRACT_STEP), url)
    with erp_process(["serve", "inventory"], env, tmp_path) as pod:
        answer = None
        for _ in range(100):
            try:
                answer = httpx.get(pod.url + "/readyz", timeout=1)
                break
            except httpx.HTTPError:
                asyncio.run(asyncio.sleep(0.1))
        assert answer is not None and answer.status_code == 503
        assert CONTRACT in answer.text


async def test_erp_migrate_of_the_previous_release_is_a_no_op_on_a_compatible_later_schema(
    database_for: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # A canary or the other slot migrated to N+1; N's migration Job runs again (a rollback,
    # an Argo CD sync back): it must succeed without touching the schema.
    url = await database_for(SPEC)
    await asyncio.to_thread(_migrate, _release(tmp_path, "n1", EXPAND_STEP), url, monkeypatch)
    await asyncio.to_thread(_migrate, SPEC.migrations, url, monkeypatch)
    assert await _problem(SPEC.migrations, url, HEAD_N) is None
    assert await _problem(_release(tmp_path, "n1b", EXPAND_STEP), url, EXPAND) is None
    # After a contract step, N's Job says why it cannot run, in one line.
    await asyncio.to_thread(
        _migrate,
        _release(tmp_path, "n2", EXPAND_STEP, CONTRACT_STEP),
        url,
        monkeypatch,
        allow_breaking=True,
    )
    capsys.readouterr()
    with pytest.raises(SystemExit) as stopped:
        await asyncio.to_thread(_migrate, SPEC.migrations, url, monkeypatch)
    assert stopped.value.code == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and f"at revision {CONTRACT}, newer than this code" in lines[0]
