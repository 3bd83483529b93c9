"""`erp inventory verify` exits 0 on a consistent ledger and 1 listing each mismatch."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text

from erp.inventory.main import SPEC
from tests.inventory.builders import item, receive, warehouse
from tests.support.clients import service_client
from tests.support.databases import SqliteFactory


def _verify(url: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ERP_DATABASE_URL": url, "ERP_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "erp", "inventory", "verify"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_verify_passes_then_catches_a_tampered_balance(
    sqlite_templates: SqliteFactory, tmp_path: Path
) -> None:
    url = sqlite_templates.fresh(SPEC, tmp_path)
    async with service_client(SPEC, database_url=url, data_dir=tmp_path) as client:
        await warehouse(client)
        await item(client, "A")
        await receive(client, "A", "5", "2")
    ok = _verify(url, tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "1 stock balances equal the ledger" in ok.stdout

    sync_url = url.replace("sqlite+aiosqlite", "sqlite")
    with create_engine(sync_url).begin() as conn:
        conn.execute(text("UPDATE bins SET on_hand = on_hand + 10000"))  # +1 unit, scaled
    bad = _verify(url, tmp_path)
    assert bad.returncode == 1
    assert "A" in bad.stdout and "on_hand" in bad.stdout and "mismatch" in bad.stdout
