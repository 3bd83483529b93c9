"""Broken values files fail helm template (and lint, for schema errors) naming the key.

Each file in bad-values/ starts with `# expect: <text>`, the text the error must contain.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.chart.conftest import CHART, NAMESPACE, PROFILES

BAD_VALUES = sorted((Path(__file__).parent / "bad-values").glob("*.yaml"))
HelmRun = Callable[..., subprocess.CompletedProcess[str]]


def expected(path: Path) -> str:
    first = path.read_text().splitlines()[0]
    assert first.startswith("# expect: "), f"{path.name} needs an `# expect:` first line"
    return first.removeprefix("# expect: ")


def test_there_are_at_least_a_dozen_broken_files() -> None:
    assert len(BAD_VALUES) >= 12


@pytest.mark.parametrize("path", BAD_VALUES, ids=lambda p: p.stem)
def test_broken_values_fail_with_a_clear_message(helm_run: HelmRun, path: Path) -> None:
    base = ["-f", str(PROFILES / "default-values.yaml"), "-f", str(path)]
    rendered = helm_run("template", "erp-system", str(CHART), "--namespace", NAMESPACE, *base)
    assert rendered.returncode != 0, f"{path.name} rendered without error"
    assert expected(path) in rendered.stderr
    if "values don't meet the specifications of the schema" in rendered.stderr:
        # helm lint applies the schema too; checks made with `fail` in the templates only
        # stop template and install (lint logs them), so lint is asserted for schema errors.
        linted = helm_run("lint", "--strict", str(CHART), "--namespace", NAMESPACE, *base)
        assert linted.returncode != 0, f"{path.name} passed helm lint"
        assert expected(path) in linted.stdout + linted.stderr


def test_the_base_profile_alone_renders(helm_run: HelmRun) -> None:
    # The broken files fail because of what they change, not because the base is broken.
    ok = helm_run("template", "erp-system", str(CHART), "--namespace", NAMESPACE,
                  "-f", str(PROFILES / "default-values.yaml"))  # fmt: skip
    assert ok.returncode == 0, ok.stderr
