"""The JSON of the purchase order events, pinned like tests/contracts pins the others, and the
stock-moved line's purchase order reference: sent only when there is one, so every other line
travels exactly as before and old consumers read the new one."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest

from erp.contracts.inventory import (
    PurchaseOrderApproved,
    PurchaseOrderClosed,
    PurchaseOrderLine,
    StockLine,
)
from erp.contracts.wire import Payload

AT = dt.datetime(2026, 3, 1, 10, 0, 0, 123456, tzinfo=dt.UTC)
AT_WIRE = "2026-03-01T10:00:00.123456+00:00"
LINE = PurchaseOrderLine(
    line_no=1,
    sku="BOLT",
    warehouse="MAIN",
    quantity_ordered=Decimal("100.0000"),
    unit_price=Decimal("2.5000"),
    quantity_received=Decimal("40.0000"),
)
LINE_WIRE = {
    "line_no": 1,
    "sku": "BOLT",
    "warehouse": "MAIN",
    "quantity_ordered": "100.0000",
    "unit_price": "2.5000",
    "quantity_received": "40.0000",
}

CASES: list[tuple[Payload, dict[str, Any]]] = [
    (
        PurchaseOrderApproved(
            order_id=7,
            supplier="ACME",
            currency="EUR",
            order_date=dt.date(2026, 3, 1),
            expected_date=dt.date(2026, 3, 8),
            approved_at=AT,
            approved_by="wendy",
            lines=(LINE,),
        ),
        {
            "order_id": 7,
            "supplier": "ACME",
            "currency": "EUR",
            "order_date": "2026-03-01",
            "expected_date": "2026-03-08",
            "approved_at": AT_WIRE,
            "approved_by": "wendy",
            "lines": [LINE_WIRE],
        },
    ),
    (
        PurchaseOrderClosed(
            order_id=7,
            supplier="ACME",
            previous_status="partly_received",
            closed_at=AT,
            closed_by="wendy",
            lines=(LINE,),
        ),
        {
            "order_id": 7,
            "supplier": "ACME",
            "currency": None,
            "previous_status": "partly_received",
            "closed_at": AT_WIRE,
            "closed_by": "wendy",
            "lines": [LINE_WIRE],
        },
    ),
]
TOPICS = {
    PurchaseOrderApproved: "inventory.purchase-order-approved",
    PurchaseOrderClosed: "inventory.purchase-order-closed",
}


@pytest.mark.parametrize(("payload", "wire"), CASES, ids=[c[0].TOPIC for c in CASES])
def test_a_purchase_order_event_sends_the_pinned_json(
    payload: Payload, wire: dict[str, Any]
) -> None:
    assert json.dumps(payload.to_data()) == json.dumps(wire)
    assert type(payload).from_data(wire) == payload
    assert TOPICS[type(payload)] == payload.TOPIC


STOCK_LINE = {
    "line_no": 0,
    "sku": "BOLT",
    "warehouse": "MAIN",
    "quantity": "40.0000",
    "unit_cost": "2.5000",
    "value": "100.00",
    "on_hand_after": "40.0000",
    "value_after": "100.00",
    "average_cost_after": "2.5000",
    "uom": "pcs",
}


def test_a_receipt_line_names_its_order_line_and_supplier_after_the_old_keys() -> None:
    wire = {**STOCK_LINE, "purchase_order_id": 7, "purchase_order_line": 1, "supplier": "ACME"}
    line = StockLine.from_data(wire)
    assert (line.purchase_order_id, line.purchase_order_line, line.supplier) == (7, 1, "ACME")
    assert json.dumps(line.to_data()) == json.dumps(wire)


def test_a_line_without_an_order_travels_as_before_and_reads_as_none() -> None:
    line = StockLine.from_data(STOCK_LINE)
    assert line.purchase_order_id is None and line.supplier is None
    assert json.dumps(line.to_data()) == json.dumps(STOCK_LINE)
