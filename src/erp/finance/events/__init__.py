"""Events finance publishes (topics `finance.*`), written to the outbox in the same
transaction as the change. Amounts are decimal strings; dates ISO 8601.

`finance.journal-posted` (subject `journal`): every posted entry, reversals included.
    {entry_id, date, memo, source (manual|invoice|payment|stock), source_ref, currency, rate,
     reverses, posted_at, posted_by,
     lines: [{line_no, account, account_type, debit, credit (base currency),
              amount (signed, transaction currency), party, sku, invoice_id}]}
    Summing `debit - credit` by account gives the trial balance; account types give the P&L
    (income, expense) and the balance sheet (asset, liability, equity).

`finance.invoice-issued` (subject `invoice/<id>`): an invoice was issued; inventory issues
    the stock. {invoice_id, issue_no, reference ("invoice:<id>"), customer, date, currency,
     rate, subtotal, tax_total, total, lines: [{line_no, sku, warehouse, quantity, unit_price,
     tax_rate, net, tax}]}

`finance.invoice-status-changed` (subject `invoice/<id>`): {invoice_id, customer, currency,
    status, previous_status, reason, total, paid_amount, open_amount, date, changed_at}

`finance.invoice-voided` (subject `invoice/<id>`): the stock issued for it goes back.
    {invoice_id, reference ("invoice:<id>")}

`finance.payment-received` (subject `invoice/<id>`): {payment_id, invoice_id, customer, date,
    currency, rate, amount, base_amount, account, entry_id, open_amount, status}

`finance.period-closed` (subject `periods`): {closed_through, closed_at, closed_by}
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from erp.finance.models import metadata
from erp.platform.events.outbox import enqueue

SOURCE = "erp/finance"
JOURNAL_POSTED = "finance.journal-posted"
INVOICE_ISSUED = "finance.invoice-issued"
INVOICE_STATUS_CHANGED = "finance.invoice-status-changed"
INVOICE_VOIDED = "finance.invoice-voided"
PAYMENT_RECEIVED = "finance.payment-received"
PERIOD_CLOSED = "finance.period-closed"


async def _publish(conn: AsyncConnection, topic: str, subject: str, data: dict[str, Any]) -> None:
    await enqueue(conn, metadata, source=SOURCE, topic=topic, subject=subject, data=data)


async def publish_journal_posted(
    conn: AsyncConnection, *, entry: dict[str, Any], account_types: dict[str, str]
) -> None:
    keys = ("date", "memo", "source", "source_ref", "currency", "rate", "reverses")
    data = {"entry_id": entry["id"], **{k: entry[k] for k in keys}}
    data["posted_at"], data["posted_by"] = entry["posted_at"], entry["posted_by"]
    data["lines"] = [{**ln, "account_type": account_types[ln["account"]]} for ln in entry["lines"]]
    await _publish(conn, JOURNAL_POSTED, "journal", data)


async def publish_invoice_issued(conn: AsyncConnection, *, invoice: dict[str, Any]) -> None:
    keys = ("issue_no", "customer", "date", "currency", "rate", "subtotal", "tax_total", "total")
    line_keys = ("line_no", "sku", "warehouse", "quantity", "unit_price", "tax_rate", "net", "tax")
    data = {
        "invoice_id": invoice["id"],
        "reference": f"invoice:{invoice['id']}",
        **{k: invoice[k] for k in keys},
        "lines": [{k: ln[k] for k in line_keys} for ln in invoice["lines"]],
    }
    await _publish(conn, INVOICE_ISSUED, f"invoice/{invoice['id']}", data)


async def publish_status_changed(
    conn: AsyncConnection, *, invoice: dict[str, Any], previous: str, reason: str | None = None
) -> None:
    keys = ("customer", "currency", "status", "total", "paid_amount", "open_amount", "date")
    data = {
        "invoice_id": invoice["id"],
        **{k: invoice[k] for k in keys},
        "previous_status": previous,
        "reason": reason,
        "changed_at": datetime.now(UTC),
    }
    await _publish(conn, INVOICE_STATUS_CHANGED, f"invoice/{invoice['id']}", data)


async def publish_invoice_voided(conn: AsyncConnection, *, invoice_id: int) -> None:
    data = {"invoice_id": invoice_id, "reference": f"invoice:{invoice_id}"}
    await _publish(conn, INVOICE_VOIDED, f"invoice/{invoice_id}", data)


async def publish_payment_received(
    conn: AsyncConnection, *, payment: dict[str, Any], invoice: dict[str, Any]
) -> None:
    keys = ("customer", "date", "currency", "rate", "amount", "base_amount", "account")
    data = {
        "payment_id": payment["id"],
        "invoice_id": invoice["id"],
        **{k: payment[k] for k in keys},
        "entry_id": payment["entry_id"],
        "open_amount": invoice["open_amount"],
        "status": invoice["status"],
    }
    await _publish(conn, PAYMENT_RECEIVED, f"invoice/{invoice['id']}", data)


async def publish_period_closed(conn: AsyncConnection, *, close: dict[str, Any]) -> None:
    keys = ("closed_through", "closed_at", "closed_by")
    await _publish(conn, PERIOD_CLOSED, "periods", {k: close[k] for k in keys})
