from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.contract import containers
from tests.contract.report import REPORT
from tests.support.services import IN_CI, PG_HOST, PG_PORT, REDIS_HOST, REDIS_PORT, require


@pytest.fixture(autouse=True)
def _servers() -> None:
    require("PostgreSQL", PG_HOST, PG_PORT)
    require("Redis", REDIS_HOST, REDIS_PORT)


@pytest.fixture(scope="session", autouse=True)
def _runtime() -> Iterator[None]:
    """ERP_CONTRACT_RUNTIME=container: podman and the image must be there (required in CI);
    containers left by an earlier, interrupted run are removed before and after."""
    if not containers.enabled():
        yield
        return
    problem = containers.unavailable()
    if problem:
        if IN_CI:
            pytest.fail(f"{problem} (required when CI=true)")
        pytest.skip(problem)
    containers.sweep()
    yield
    containers.sweep()


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    lines = REPORT.lines()
    if lines:
        terminalreporter.section(f"orchestration contract: pods as {containers.describe()}")
        for line in lines:
            terminalreporter.write_line(line)
