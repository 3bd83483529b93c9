"""Assembles the finance service (no logic here)."""

from __future__ import annotations

from erp.finance.api import routers
from erp.finance.config import FinanceSettings
from erp.finance.domain.books import open_books
from erp.finance.events.handlers import SUBSCRIPTIONS
from erp.finance.inventory_client import close_inventory_client
from erp.finance.models import metadata
from erp.platform.assembly import service_spec
from erp.platform.logging import get_logger
from erp.platform.runtime import Runtime

log = get_logger(__name__)


async def _open_books(runtime: Runtime) -> None:
    """Fix the base currency on first start. Until the database is migrated this fails, and
    readiness keeps retrying it (a different currency than the books' stays fatal)."""
    base = runtime.settings.base_currency
    opened = False

    async def books() -> None:
        nonlocal opened
        if not opened:
            await runtime.db.run(lambda conn: open_books(conn, base_currency=base))
            opened = True

    runtime.readiness.add("books", books)
    try:
        await books()
    except RuntimeError:
        raise
    except Exception as error:  # not migrated yet: /readyz says so
        log.warning("books_not_opened", error=str(error)[:200])


SPEC = service_spec(
    "finance",
    FinanceSettings,
    metadata,
    routers,
    on_startup=(_open_books,),
    on_shutdown=(close_inventory_client,),
    subscriptions=SUBSCRIPTIONS,
)
