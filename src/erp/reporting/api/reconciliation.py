"""Stock valuation against the inventory account."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from erp.platform.api import ReadConnection
from erp.reporting.api.deps import AsOf, CacheDep, FinanceReader, Format, SettingsDep, today
from erp.reporting.api.render import answer
from erp.reporting.domain.periods import check_day
from erp.reporting.domain.reconciliation import reconciliation as reconcile
from erp.reporting.domain.report import Report

router = APIRouter(prefix="/reports", tags=["financial reports"])


@router.get("/reconciliation")
async def reconciliation(
    conn: ReadConnection,
    cache: CacheDep,
    settings: SettingsDep,
    _: FinanceReader,
    as_of: AsOf = None,
    format: Format = "json",
) -> Response:
    """Per warehouse: stock value, the part already in the ledger, and what is in flight."""
    day = check_day("as_of", as_of or today())
    accounts = settings.inventory_accounts

    async def compute() -> Report:
        return await reconcile(conn, as_of=day, inventory_accounts=accounts)

    return await answer(
        conn,
        cache,
        name="reconciliation",
        params={"as_of": day, "accounts": accounts},
        families=("ledger", "stock"),
        horizon=day,
        compute=compute,
        fmt=format,
    )
