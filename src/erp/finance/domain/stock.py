"""Postings from inventory's stock movements, at exactly the values inventory reports.

receipt     Dr Inventory / Cr Goods received not invoiced
            Dr Inventory / Cr Cost of goods sold   (reference `credit-note:<id>`: goods returned)
issue       Dr Cost of goods sold / Cr Inventory   (reference `invoice:<id>`)
            Dr Stock adjustments / Cr Inventory    (any other issue)
adjustment  Dr Inventory / Cr Stock adjustments    (a gain; a loss the other way round)
transfer    nothing: both warehouses share the inventory account
A reversal movement carries the negated values of its original, so the same rules post the
mirror entry, linked to the original's entry. A supplier return (`returns`) is a receipt with
negated lines too: Dr GRNI / Cr Inventory, not linked (it takes back part of the receipt).
One entry per movement (`event_key`), dated on the movement's posting date (for an invoice's
goods, the invoice date, so the cost of goods sold falls in the period of its revenue), or on
the first open day when that day's period is already closed.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.contracts.inventory import StockMoved
from erp.contracts.references import credit_note_of, movement_ref
from erp.finance.domain import books, journal, receipts
from erp.finance.domain.chart import (
    COST_OF_GOODS_SOLD,
    GOODS_RECEIVED_NOT_INVOICED,
    INVENTORY,
    STOCK_ADJUSTMENT,
)
from erp.finance.domain.journal import Posting, credit, debit
from erp.finance.models import journal_entries

POSTED_BY = "inventory-events"


def counter_account(
    movement_type: str, invoice_id: int | None, reference: str | None = None
) -> str:
    if movement_type == "receipt":
        if credit_note_of(reference) is not None:
            return COST_OF_GOODS_SOLD  # goods a customer returned: their cost of goods reversed
        return GOODS_RECEIVED_NOT_INVOICED
    if movement_type == "issue" and invoice_id is not None:
        return COST_OF_GOODS_SOLD
    return STOCK_ADJUSTMENT


def postings(moved: StockMoved) -> list[Posting]:
    invoice_id = moved.invoice_id
    lines = [(ln.sku, ln.value) for ln in moved.lines]
    if moved.type == "transfer":
        net = sum((v for _, v in lines), Decimal(0))  # zero unless the two sides differ
        lines = [(lines[0][0], net)] if net else []
    counter = counter_account(moved.type, invoice_id, moved.reference)
    result: list[Posting] = []
    for sku, value in lines:
        if value == 0:
            continue
        result.append(debit(INVENTORY, value, value, sku=sku, invoice_id=invoice_id))
        result.append(credit(counter, value, value, sku=sku, invoice_id=invoice_id))
    return result


async def post_stock_movement(conn: AsyncConnection, *, moved: StockMoved) -> int | None:
    """Post one `inventory.stock-moved` event; returns the entry id (None: nothing to post)."""
    key = movement_ref(moved.movement_id)
    done = await conn.execute(
        select(journal_entries.c.id).where(journal_entries.c.event_key == key)
    )
    if done.first() is not None:
        return None
    lines = postings(moved)
    if not lines:
        return None
    base = await books.base_currency(conn)
    date = await books.first_open_day(conn, moved.posted_on)
    reverses = None
    # A supplier return names its receipt too but takes back only part of it: its entry is no
    # reversal of the receipt's (which a later reversal of the rest may still claim).
    if moved.reverses is not None and moved.returns is None:
        reverses = (
            await conn.execute(
                select(journal_entries.c.id).where(
                    journal_entries.c.event_key == movement_ref(moved.reverses)
                )
            )
        ).scalar()
    memo = f"{moved.type} movement {moved.movement_id}"
    if moved.returns is not None:
        memo += f" (goods of movement {moved.returns} returned to the supplier)"
    elif moved.reverses is not None:
        memo += f" (reversal of movement {moved.reverses})"
    if moved.reference:
        memo += f", {moved.reference}"
    entry = await journal.post_entry(
        conn,
        date=date,
        memo=memo[:500],
        source="stock",
        source_ref=key,
        currency=base,
        rate=Decimal(1),
        lines=lines,
        user=POSTED_BY,
        reverses=reverses,
        event_key=key,
    )
    if any(p.account == GOODS_RECEIVED_NOT_INVOICED for p in lines):
        await receipts.record(conn, moved=moved, entry_id=entry["id"], date=date)
    return int(entry["id"])
