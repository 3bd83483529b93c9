from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from erp.finance.api.deps import Reader, WriteCommand
from erp.finance.domain import payments
from erp.finance.schemas.payments import PaymentCreate, PaymentRead
from erp.platform.api import DEFAULT_LIMIT, Cursor, Limit, ReadConnection, RowId
from erp.platform.db.tables import MAX_ID
from erp.platform.pagination import Page, decode_cursor, page_of

router = APIRouter(prefix="/payments", tags=["payments"])
PaymentId = RowId


@router.get("", response_model=Page[PaymentRead])
async def list_payments(
    conn: ReadConnection,
    _: Reader,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    invoice: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Page[PaymentRead]:
    position = decode_cursor(cursor, fields={"id": int})
    rows = await payments.list_payments(
        conn,
        limit=limit + 1,
        before_id=int(position["id"]) if position else None,
        invoice_id=invoice,
    )
    return page_of([PaymentRead.model_validate(r) for r in rows], limit, lambda p: {"id": p.id})


@router.post("", status_code=201, response_model=PaymentRead)
async def receive_payment(body: PaymentCreate, command: WriteCommand) -> Response:
    """Cash or bank against an invoice; more than the open amount is refused."""
    user = command.principal.username
    return await command.run(
        lambda conn: payments.receive_payment(conn, body=body, user=user), returns=PaymentRead
    )


@router.get("/{payment_id}", response_model=PaymentRead)
async def get_payment(payment_id: PaymentId, conn: ReadConnection, _: Reader) -> PaymentRead:
    return PaymentRead.model_validate(await payments.get_payment(conn, payment_id=payment_id))
