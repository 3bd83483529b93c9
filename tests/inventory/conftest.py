from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from erp.inventory.main import SPEC
from tests.support.clients import ServiceClient, service_client


@pytest.fixture
async def inventory(database_for: Any, tmp_path: Path) -> AsyncIterator[ServiceClient]:
    """The inventory service on a fresh database (SQLite and PostgreSQL), as admin."""
    url = await database_for(SPEC)
    async with service_client(SPEC, database_url=url, data_dir=tmp_path) as client:
        yield client
