"""The services benchmark runs end to end: `python -m bench.services --quick` writes a results
file with every group's rows and a positive ratio against each anchor. No timing is asserted;
the figures themselves are the benchmark's business (bench/results/services.md)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from bench.services.anchors import pgbench_binary

from tests.support.services import PG_HOST, PG_PORT, REDIS_HOST, REDIS_PORT, require

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

# Each group's rows as the report names them.
ROWS = {
    "## Inventory (PostgreSQL)": ["POST /movements issue, 1 line", "GET /items/{sku}"],
    "## Finance (PostgreSQL)": ["GET /invoices/{id}", "POST /journal-entries (2 lines)"],
    "## Embedded default (SQLite": ["POST /movements issue, 1 line", "GET /items/{sku}"],
}


def _section(text: str, title: str) -> str:
    start = text.index(title)
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def _row(section: str, name: str) -> list[str]:
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if cells and cells[0] == name:
            return cells
    raise AssertionError(f"no row {name!r} in:\n{section}")


def test_quick_run_writes_every_group_with_positive_ratios(tmp_path: Path) -> None:
    require("PostgreSQL", PG_HOST, PG_PORT)
    require("Redis", REDIS_HOST, REDIS_PORT)
    if pgbench_binary() is None:
        missing = "pgbench not installed (PostgreSQL's server package)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(missing)
        pytest.skip(missing)
    out = tmp_path / "services.md"
    command = [sys.executable, "-m", "bench.services", "--quick", "--profile-seconds", "0"]
    done = subprocess.run(
        [*command, "--load", "python", "--out", str(out)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    text = out.read_text()
    for title, names in ROWS.items():
        section = _section(text, title)
        for name in names:
            cells = _row(section, name)
            ratio = re.fullmatch(r"\*\*([\d.]+)\*\*", cells[4])
            assert ratio is not None, cells
            assert float(ratio.group(1)) > 0, cells
            assert cells[9] == "0", f"{name}: errors {cells[9]}"
    chain = _section(text, "## The whole chain")
    invoices = [ln for ln in chain.splitlines() if ln.startswith("| 16 |")]
    assert invoices and int(invoices[0].split("|")[2]) > 0, chain
    startup = _section(text, "## Start-up and idle memory")
    assert _row(startup, "inventory")[1] != "-"
