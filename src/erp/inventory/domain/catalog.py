"""Items and warehouses."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, bindparam, literal, null, select, type_coerce, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.inventory.domain.dating import closed_through_column
from erp.inventory.domain.publish import publish_item_changed
from erp.inventory.models import bins, items, reservations, warehouses
from erp.inventory.schemas.items import ItemCreate, ItemUpdate
from erp.inventory.schemas.warehouses import WarehouseCreate, WarehouseUpdate
from erp.platform.db.lookups import active_rows, refuse_missing_or_inactive
from erp.platform.errors import Conflict, NotFound


async def _insert_unique(
    conn: AsyncConnection, table: Table, values: dict[str, Any], *, key: str
) -> dict[str, Any]:
    exists = await conn.execute(select(table.c.id).where(table.c[key] == values[key]))
    if exists.first() is not None:
        raise Conflict(f"{key} {values[key]!r} already exists", field=key)
    try:
        async with conn.begin_nested():
            row = (await conn.execute(table.insert().values(**values).returning(table))).one()
    except IntegrityError:  # a concurrent insert won the race
        raise Conflict(f"{key} {values[key]!r} already exists", field=key) from None
    return dict(row._mapping)


async def create_item(conn: AsyncConnection, *, data: ItemCreate) -> dict[str, Any]:
    now = datetime.now(UTC)
    item = await _insert_unique(
        conn, items, {**data.model_dump(), "created_at": now, "updated_at": now}, key="sku"
    )
    await publish_item_changed(conn, item=item)
    return item


async def update_item(conn: AsyncConnection, *, sku: str, data: ItemUpdate) -> dict[str, Any]:
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if "uom" in changes:
        await _refuse_uom_change_with_stock(conn, sku=sku, uom=changes["uom"])
    statement = items.update().where(items.c.sku == sku)
    row = (
        await conn.execute(
            statement.values(**changes, updated_at=datetime.now(UTC)).returning(items)
        )
    ).first()
    if row is None:
        raise NotFound(f"item {sku!r} not found")
    item = dict(row._mapping)
    await publish_item_changed(conn, item=item)
    return item


async def _refuse_uom_change_with_stock(conn: AsyncConnection, *, sku: str, uom: str) -> None:
    # Quantities on hand and reserved were counted in the old unit: renaming the unit would
    # silently turn 10 boxes into 10 pieces. The item row is locked so that no movement in
    # flight counts in one unit while the rename lands.
    item = (
        await conn.execute(select(items.c.uom).where(items.c.sku == sku).with_for_update())
    ).first()
    if item is None or item.uom == uom:
        return
    on_hand = select(bins.c.warehouse).where(bins.c.sku == sku, bins.c.on_hand != 0)
    reserved = select(reservations.c.warehouse).where(
        reservations.c.sku == sku, reservations.c.status == "active"
    )
    held = sorted(set((await conn.execute(on_hand.union(reserved))).scalars()))
    if held:
        raise Conflict(
            f"item {sku!r} has stock on hand or reserved in {', '.join(held)}; its unit of "
            f"measure stays {item.uom!r} until that stock is issued or adjusted to zero",
            field="uom",
        )


_ITEM = select(items).where(items.c.sku == bindparam("sku"))


async def get_item(conn: AsyncConnection, *, sku: str) -> dict[str, Any]:
    row = (await conn.execute(_ITEM, {"sku": sku})).first()
    if row is None:
        raise NotFound(f"item {sku!r} not found")
    return dict(row._mapping)


async def create_warehouse(conn: AsyncConnection, *, data: WarehouseCreate) -> dict[str, Any]:
    return await _insert_unique(
        conn,
        warehouses,
        {**data.model_dump(), "active": True, "created_at": datetime.now(UTC)},
        key="code",
    )


async def update_warehouse(
    conn: AsyncConnection, *, code: str, data: WarehouseUpdate
) -> dict[str, Any]:
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if not changes:
        return await get_warehouse(conn, code=code)
    row = (
        await conn.execute(
            warehouses.update()
            .where(warehouses.c.code == code)
            .values(**changes)
            .returning(warehouses)
        )
    ).first()
    if row is None:
        raise NotFound(f"warehouse {code!r} not found")
    return dict(row._mapping)


async def get_warehouse(conn: AsyncConnection, *, code: str) -> dict[str, Any]:
    row = (await conn.execute(select(warehouses).where(warehouses.c.code == code))).first()
    if row is None:
        raise NotFound(f"warehouse {code!r} not found")
    return dict(row._mapping)


async def active_warehouses(conn: AsyncConnection, codes: dict[str, str]) -> dict[str, Any]:
    """Rows for `codes` ({code: field it came from}); unknown or inactive → 422 on that field."""
    return await active_rows(conn, warehouses.c.code, codes.items(), name="warehouse")


async def active_items(conn: AsyncConnection, skus: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Rows for (sku, field) pairs; unknown or inactive → 422 naming the field."""
    return await active_rows(conn, items.c.sku, skus, name="item", key_name="SKU")


def _warehouses_and_items() -> Any:
    w, i = warehouses.c, items.c

    def none(column: Any) -> Any:  # NULL, read back as the column's type
        return type_coerce(null(), column.type)

    houses = select(
        literal("warehouse").label("kind"),
        w.code.label("key"),
        w.active,
        w.allow_negative,
        closed_through_column().label("closed_through"),
        none(i.uom).label("uom"),
        none(i.reorder_point).label("reorder_point"),
    ).where(w.code.in_(bindparam("codes", expanding=True)))
    skus = select(
        literal("item"),
        i.sku,
        i.active,
        none(w.allow_negative),
        none(closed_through_column()),
        i.uom,
        i.reorder_point,
    ).where(i.sku.in_(bindparam("skus", expanding=True)))
    return union_all(houses, skus)


_WAREHOUSES_AND_ITEMS = _warehouses_and_items()


async def active_warehouses_and_items(
    conn: AsyncConnection, codes: dict[str, str], skus: Iterable[tuple[str, str]]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """`active_warehouses(conn, codes)` and `active_items(conn, skus)` in one round trip:
    warehouses (`allow_negative`, and `closed_through`, the day inventory last heard finance
    closed its books through) and items (`uom`, `reorder_point`) by code and SKU, refused in
    that order."""
    wanted = list(skus)
    params = {"codes": sorted(codes), "skus": sorted({sku for sku, _ in wanted})}
    houses: dict[str, Any] = {}
    found: dict[str, Any] = {}
    for row in await conn.execute(_WAREHOUSES_AND_ITEMS, params):
        (houses if row.kind == "warehouse" else found)[row.key] = row
    refuse_missing_or_inactive(houses, codes.items(), name="warehouse")
    refuse_missing_or_inactive(found, wanted, name="item", key_name="SKU")
    return houses, found
