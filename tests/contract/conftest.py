from __future__ import annotations

import pytest

from tests.contract.report import REPORT
from tests.support.services import PG_HOST, PG_PORT, REDIS_HOST, REDIS_PORT, require


@pytest.fixture(autouse=True)
def _servers() -> None:
    require("PostgreSQL", PG_HOST, PG_PORT)
    require("Redis", REDIS_HOST, REDIS_PORT)


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    lines = REPORT.lines()
    if lines:
        terminalreporter.section("orchestration contract")
        for line in lines:
            terminalreporter.write_line(line)
