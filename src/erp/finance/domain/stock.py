"""Postings from inventory's stock movements, at exactly the values inventory reports.

receipt     Dr Inventory / Cr Goods received not invoiced
issue       Dr Cost of goods sold / Cr Inventory   (reference `invoice:<id>`)
            Dr Stock adjustments / Cr Inventory    (any other issue)
adjustment  Dr Inventory / Cr Stock adjustments    (a gain; a loss the other way round)
transfer    nothing: both warehouses share the inventory account
A reversal movement carries the negated values of its original, so the same rules post the
mirror entry, linked to the original's entry. One entry per movement (`event_key`), dated on
the movement's day, or on the first open day when that day's period is already closed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.finance.domain import books, journal
from erp.finance.domain.chart import (
    COST_OF_GOODS_SOLD,
    GOODS_RECEIVED_NOT_INVOICED,
    INVENTORY,
    STOCK_ADJUSTMENT,
)
from erp.finance.domain.journal import Posting, credit, debit
from erp.finance.events import publish_invoice_voided
from erp.finance.models import invoices, journal_entries

POSTED_BY = "inventory-events"


def invoice_of(reference: str | None) -> int | None:
    if reference and reference.startswith("invoice:") and reference[8:].isdigit():
        return int(reference[8:])
    return None


def counter_account(movement_type: str, invoice_id: int | None) -> str:
    if movement_type == "receipt":
        return GOODS_RECEIVED_NOT_INVOICED
    if movement_type == "issue" and invoice_id is not None:
        return COST_OF_GOODS_SOLD
    return STOCK_ADJUSTMENT


def postings(data: dict[str, Any]) -> list[Posting]:
    invoice_id = invoice_of(data.get("reference"))
    lines = [(ln["sku"], Decimal(str(ln["value"]))) for ln in data["lines"]]
    if data["type"] == "transfer":
        net = sum((v for _, v in lines), Decimal(0))  # zero unless the two sides differ
        lines = [(lines[0][0], net)] if net else []
    counter = counter_account(data["type"], invoice_id)
    result: list[Posting] = []
    for sku, value in lines:
        if value == 0:
            continue
        result.append(debit(INVENTORY, value, value, sku=sku, invoice_id=invoice_id))
        result.append(credit(counter, value, value, sku=sku, invoice_id=invoice_id))
    return result


async def post_stock_movement(conn: AsyncConnection, *, data: dict[str, Any]) -> int | None:
    """Post one `inventory.stock-moved` event; returns the entry id (None: nothing to post)."""
    key = f"movement:{data['movement_id']}"
    done = await conn.execute(
        select(journal_entries.c.id).where(journal_entries.c.event_key == key)
    )
    if done.first() is not None:
        return None
    invoice_id = invoice_of(data.get("reference"))
    if data["type"] == "issue" and invoice_id is not None and data.get("reverses") is None:
        await _return_stock_of_void_invoice(conn, invoice_id)
    lines = postings(data)
    if not lines:
        return None
    base = await books.base_currency(conn)
    moved_on = dt.datetime.fromisoformat(str(data["posted_at"]).replace("Z", "+00:00"))
    date = await books.first_open_day(conn, moved_on.astimezone(dt.UTC).date())
    reverses = None
    if data.get("reverses") is not None:
        reverses = (
            await conn.execute(
                select(journal_entries.c.id).where(
                    journal_entries.c.event_key == f"movement:{data['reverses']}"
                )
            )
        ).scalar()
    memo = f"{data['type']} movement {data['movement_id']}"
    if data.get("reverses") is not None:
        memo += f" (reversal of movement {data['reverses']})"
    if data.get("reference"):
        memo += f", {data['reference']}"
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
    return int(entry["id"])


async def _return_stock_of_void_invoice(conn: AsyncConnection, invoice_id: int) -> None:
    """The goods left for an invoice voided meanwhile: ask inventory again to take them back."""
    status = (
        await conn.execute(select(invoices.c.status).where(invoices.c.id == invoice_id))
    ).scalar()
    if status == "void":
        await publish_invoice_voided(conn, invoice_id=invoice_id)
