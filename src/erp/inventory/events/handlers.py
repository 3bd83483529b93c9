"""What inventory does with other services' events (each inside the consumer's transaction).

`finance.invoice-issue-requested`: issue the invoice's goods, one issue movement per warehouse
with reference `invoice:<id>`, dated the invoice's date, all or nothing. The normal
`inventory.stock-moved` events follow, then `inventory.invoice-goods-issued`; when the goods
cannot be issued (short stock, unknown item or warehouse, a date in a closed period, after
today or before the latest one of a warehouse's stock of an item) nothing moves and
`inventory.issue-rejected` tells finance why.
`finance.invoice-voided`: reverse the issue movements of that invoice (the goods come back),
dated today. Only this handler may reverse them: they belong to the invoice.
`finance.credit-note-issued`: take back the goods of the credit note's lines marked
`return_goods`: one receipt per warehouse with reference `credit-note:<id>`, dated the credit
note's date (today when a later line of the bin or a period closed meanwhile forbids it), at
the unit cost those goods left with for the invoice (its `invoice:<id>` issue lines), not
today's average. A redelivered or repeated event finds its receipt already there.
`finance.period-closed`: remember the closing date; nothing is dated on or before it after.
`finance.period-reopened`: an admin moved the closing date back; days after it take movements
again. Of closes and reopens the latest (by when finance made it) wins, in any arrival order.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.contracts.finance import (
    CreditNoteIssued,
    InvoiceIssueRequested,
    InvoiceVoided,
    PeriodClosed,
    PeriodReopened,
)
from erp.contracts.inventory import InvoiceGoodsIssued, IssueRejected
from erp.contracts.wire import decimal_or_none
from erp.inventory.domain.dating import record_close, record_reopen
from erp.inventory.domain.errors import BackDated, InsufficientStock
from erp.inventory.domain.errors import PeriodClosed as ClosedPeriod
from erp.inventory.domain.ledger import post_movement, reverse_movement
from erp.inventory.domain.publish import publish_invoice_goods_issued, publish_issue_rejected
from erp.inventory.domain.returns import issued_unit_costs
from erp.inventory.models import movements
from erp.inventory.schemas.movements import MovementCreate
from erp.platform.errors import ProblemError
from erp.platform.events.envelope import Event, Handler

POSTED_BY = "finance-events"


def _issues(invoice: InvoiceIssueRequested) -> list[MovementCreate]:
    by_warehouse: dict[str, list[dict[str, Any]]] = {}
    for line in invoice.lines:
        by_warehouse.setdefault(line.warehouse, []).append(
            {"sku": line.sku, "quantity": line.quantity}
        )
    return [
        MovementCreate.model_validate(
            {
                "type": "issue",
                "warehouse": warehouse,
                "reference": invoice.reference,
                "posting_date": invoice.date,
                "lines": wanted,
            }
        )
        for warehouse, wanted in by_warehouse.items()
    ]


def _rejection(invoice: InvoiceIssueRequested, error: Exception) -> IssueRejected:
    if isinstance(error, InsufficientStock):
        extra = error.extra
        return IssueRejected(
            invoice_id=invoice.invoice_id,
            issue_no=invoice.issue_no,
            reason=error.detail,
            sku=extra.get("sku"),
            warehouse=extra.get("warehouse"),
            requested=decimal_or_none(extra.get("requested"), "requested"),
            available=decimal_or_none(extra.get("available"), "available"),
        )
    if isinstance(error, ProblemError):
        reason = error.detail
    elif isinstance(error, ValidationError):
        reason = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
    else:
        reason = str(error)
    return IssueRejected(invoice_id=invoice.invoice_id, issue_no=invoice.issue_no, reason=reason)


async def on_invoice_issued(conn: AsyncConnection, event: Event) -> None:
    invoice = InvoiceIssueRequested.from_data(event.data)
    try:
        async with conn.begin_nested():  # all warehouses or none
            for body in _issues(invoice):
                await post_movement(conn, body=body, user=POSTED_BY, document=invoice.reference)
    except (ProblemError, ValidationError) as error:
        await publish_issue_rejected(conn, _rejection(invoice, error))
        return
    issued = InvoiceGoodsIssued(
        invoice_id=invoice.invoice_id,
        issue_no=invoice.issue_no,
        posting_date=invoice.date,
        issued_at=dt.datetime.now(dt.UTC),
    )
    await publish_invoice_goods_issued(conn, issued)


async def on_invoice_voided(conn: AsyncConnection, event: Event) -> None:
    voided = InvoiceVoided.from_data(event.data)
    reversed_ids = select(movements.c.reverses).where(movements.c.reverses.is_not(None))
    pending = (
        await conn.execute(
            select(movements.c.id)
            .where(
                movements.c.reference == voided.reference,
                movements.c.type == "issue",
                movements.c.reverses.is_(None),
                movements.c.id.not_in(reversed_ids),
            )
            .order_by(movements.c.id)
        )
    ).scalars()
    for movement_id in list(pending):
        await reverse_movement(
            conn,
            movement_id=movement_id,
            reason=f"invoice {voided.invoice_id} voided",
            user=POSTED_BY,
            document=voided.reference,
        )


async def on_credit_note_issued(conn: AsyncConnection, event: Event) -> None:
    note = CreditNoteIssued.from_data(event.data)
    wanted: dict[str, list[dict[str, Any]]] = {}
    for line in note.lines:
        if line.return_goods:
            wanted.setdefault(line.warehouse, []).append(
                {"sku": line.sku, "quantity": line.quantity}
            )
    if not wanted:
        return
    posted = await conn.execute(
        select(movements.c.warehouse).where(
            movements.c.reference == note.reference, movements.c.reverses.is_(None)
        )
    )
    done = set(posted.scalars())
    costs = await issued_unit_costs(conn, note.invoice_reference)
    for warehouse, lines in wanted.items():
        if warehouse in done:
            continue
        for wanted_line in lines:
            wanted_line["unit_cost"] = costs.get((wanted_line["sku"], warehouse))
        body = {
            "type": "receipt",
            "warehouse": warehouse,
            "reference": note.reference,
            "reason": f"returned on credit note {note.credit_note_id} of invoice {note.invoice_id}",
            "posting_date": note.date,
            "lines": lines,
        }
        try:
            async with conn.begin_nested():
                await post_movement(
                    conn,
                    body=MovementCreate.model_validate(body),
                    user=POSTED_BY,
                    document=note.reference,
                )
        except (BackDated, ClosedPeriod):
            # A later line of the bin, or a close since: the goods come back today.
            body["posting_date"] = None
            await post_movement(
                conn,
                body=MovementCreate.model_validate(body),
                user=POSTED_BY,
                document=note.reference,
            )


async def on_period_closed(conn: AsyncConnection, event: Event) -> None:
    await record_close(conn, PeriodClosed.from_data(event.data))


async def on_period_reopened(conn: AsyncConnection, event: Event) -> None:
    await record_reopen(conn, PeriodReopened.from_data(event.data))


SUBSCRIPTIONS: dict[str, Handler] = {
    InvoiceIssueRequested.TOPIC: on_invoice_issued,
    InvoiceVoided.TOPIC: on_invoice_voided,
    CreditNoteIssued.TOPIC: on_credit_note_issued,
    PeriodClosed.TOPIC: on_period_closed,
    PeriodReopened.TOPIC: on_period_reopened,
}
