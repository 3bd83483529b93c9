"""Tax codes and the tax report."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from starlette.responses import Response

from erp.finance.api.deps import Dates, Reading, WriteCommand
from erp.finance.domain import tax
from erp.finance.schemas.tax import TaxCodeCreate, TaxCodeRead, TaxCodeUpdate, TaxReportRead
from erp.platform.calendar import today

router = APIRouter(tags=["tax"])
CodePath = Annotated[str, Path(max_length=16, description="The tax code.")]


@router.get("/tax-codes", response_model=list[TaxCodeRead])
async def list_tax_codes(conn: Reading) -> list[TaxCodeRead]:
    """Every tax code, output ones first."""
    return [TaxCodeRead.model_validate(row) for row in await tax.list_codes(conn)]


@router.post("/tax-codes", status_code=201, response_model=TaxCodeRead)
async def create_tax_code(body: TaxCodeCreate, command: WriteCommand) -> Response:
    """Create a tax code: output (sales) or input (purchases), standard-rated at `rate`,
    zero-rated or exempt. A code in use is a 409 naming `code`; a standard code without a
    rate, or a rate on a zero-rated or exempt one, a 422 naming `rate`."""
    return await command.run(tax.create_code, returns=TaxCodeRead, data=body)


@router.get("/tax-codes/{code}", response_model=TaxCodeRead)
async def get_tax_code(code: CodePath, conn: Reading) -> TaxCodeRead:
    """One tax code; 404 when unknown."""
    return TaxCodeRead.model_validate(await tax.get_code(conn, code=code))


@router.patch("/tax-codes/{code}", response_model=TaxCodeRead)
async def update_tax_code(code: CodePath, body: TaxCodeUpdate, command: WriteCommand) -> Response:
    """Rename, deactivate or reactivate a tax code; its rate never changes."""
    return await command.run(
        tax.update_code, returns=TaxCodeRead, status_code=200, code=code, data=body
    )


@router.get("/tax-report", response_model=TaxReportRead)
async def tax_report(conn: Reading, dates: Dates) -> TaxReportRead:
    """Output and input tax of the period `from` to `to` (the month to date when omitted) per
    tax code, with the taxable amounts, from the journal lines dated in it: what was charged
    on sales, what was paid on purchases, and the net due. Voids, credit notes and reversals
    count in the period they are dated. Tax posted without a code is a row of its own."""
    end = dates.end or today()
    start = dates.start or end.replace(day=1)
    return TaxReportRead.model_validate(await tax.tax_report(conn, date_from=start, date_to=end))
