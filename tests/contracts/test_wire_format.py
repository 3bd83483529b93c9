"""The JSON each event carries, pinned: consumers in other services, and events already kept in
outboxes, streams and reporting's `received_events`, read exactly this."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest

from erp.contracts import EVENTS
from erp.contracts.finance import (
    BillPosted,
    CreditNoteIssued,
    CreditNoteLine,
    CreditNoteSettled,
    DebitNotePosted,
    InvoiceIssued,
    InvoiceIssueRequested,
    InvoiceLine,
    InvoiceStatusChanged,
    InvoiceVoided,
    JournalLine,
    JournalPosted,
    PartyChanged,
    PaymentReceived,
    PaymentReversed,
    PeriodClosed,
    PeriodReopened,
    SupplierPaid,
)
from erp.contracts.inventory import (
    InvoiceGoodsIssued,
    IssueRejected,
    ItemChanged,
    LowStock,
    MovementReversed,
    PurchaseOrderApproved,
    PurchaseOrderClosed,
    ReservationChanged,
    StockLine,
    StockMoved,
)
from erp.contracts.references import (
    credit_note_of,
    credit_note_ref,
    invoice_of,
    invoice_ref,
    movement_of,
    movement_ref,
)
from erp.contracts.wire import Payload
from tests.inventory.test_purchase_orders_events import CASES as PURCHASE_ORDER_CASES

AT = dt.datetime(2026, 3, 1, 10, 0, 0, 123456, tzinfo=dt.UTC)
AT_WIRE = "2026-03-01T10:00:00.123456+00:00"
DAY = dt.date(2026, 3, 1)

CASES: list[tuple[Payload, dict[str, Any]]] = [
    (
        StockMoved(
            movement_id=6,
            type="issue",
            warehouse="MAIN",
            reference="invoice:1",
            posting_date=dt.date(2026, 2, 27),
            posted_at=AT,
            posted_by="finance-events",
            lines=(
                StockLine(
                    line_no=0,
                    sku="BOLT",
                    warehouse="MAIN",
                    quantity=Decimal("-2.0000"),
                    unit_cost=Decimal("2.5000"),
                    value=Decimal("-5.00"),
                    on_hand_after=Decimal("18.0000"),
                    value_after=Decimal("45.00"),
                    average_cost_after=Decimal("2.5000"),
                    uom="pcs",
                ),
            ),
        ),
        {
            "type": "issue",
            "warehouse": "MAIN",
            "to_warehouse": None,
            "reference": "invoice:1",
            "reason": None,
            "reverses": None,
            "posting_date": "2026-02-27",
            "posted_at": AT_WIRE,
            "posted_by": "finance-events",
            "movement_id": 6,
            "lines": [
                {
                    "line_no": 0,
                    "sku": "BOLT",
                    "warehouse": "MAIN",
                    "quantity": "-2.0000",
                    "unit_cost": "2.5000",
                    "value": "-5.00",
                    "on_hand_after": "18.0000",
                    "value_after": "45.00",
                    "average_cost_after": "2.5000",
                    "uom": "pcs",
                }
            ],
        },
    ),
    (
        MovementReversed(movement_id=3, reverses=2, posted_at=AT),
        {"movement_id": 3, "reverses": 2, "posted_at": AT_WIRE},
    ),
    (
        ReservationChanged(
            reservation_id=1,
            sku="BOLT",
            warehouse="MAIN",
            quantity=Decimal("1.0000"),
            reference="SO-9",
            status="released",
            expires_at=AT + dt.timedelta(hours=1),
            created_at=AT,
            closed_at=AT + dt.timedelta(minutes=5),
        ),
        {
            "id": 1,
            "sku": "BOLT",
            "warehouse": "MAIN",
            "quantity": "1.0000",
            "reference": "SO-9",
            "status": "released",
            "expires_at": "2026-03-01T11:00:00.123456+00:00",
            "created_at": AT_WIRE,
            "closed_at": "2026-03-01T10:05:00.123456+00:00",
            "consumed_by": None,
        },
    ),
    (
        LowStock(
            sku="BOLT",
            warehouse="MAIN",
            reorder_point=Decimal("10.0000"),
            on_hand=Decimal("5.0000"),
            movement_id=2,
        ),
        {
            "sku": "BOLT",
            "warehouse": "MAIN",
            "reorder_point": "10.0000",
            "on_hand": "5.0000",
            "movement_id": 2,
        },
    ),
    (
        IssueRejected(
            invoice_id=3,
            issue_no=1,
            reason="insufficient stock of BOLT in MAIN: requested 500.0000, available 18.0000",
            sku="BOLT",
            warehouse="MAIN",
            requested=Decimal("500.0000"),
            available=Decimal("18.0000"),
        ),
        {
            "invoice_id": 3,
            "issue_no": 1,
            "reference": "invoice:3",
            "reason": "insufficient stock of BOLT in MAIN: requested 500.0000, available 18.0000",
            "sku": "BOLT",
            "warehouse": "MAIN",
            "requested": "500.0000",
            "available": "18.0000",
        },
    ),
    (
        JournalPosted(
            entry_id=5,
            date=DAY,
            memo="invoice 1 to ACME",
            source="invoice",
            source_ref="invoice:1",
            currency="EUR",
            rate=Decimal("1.08330000"),
            posted_at=AT,
            posted_by="accountant",
            lines=(
                JournalLine(
                    line_no=1,
                    account="1200",
                    account_type="asset",
                    debit=Decimal("35.7200"),
                    credit=Decimal("0.0000"),
                    amount=Decimal("32.9700"),
                    party="ACME",
                    invoice_id=1,
                ),
                JournalLine(
                    line_no=2,
                    account="4000",
                    account_type="income",
                    debit=Decimal("0.0000"),
                    credit=Decimal("35.7200"),
                    amount=Decimal("-32.9700"),
                    party="ACME",
                    sku="BOLT",
                    invoice_id=1,
                ),
            ),
        ),
        {
            "entry_id": 5,
            "date": "2026-03-01",
            "memo": "invoice 1 to ACME",
            "source": "invoice",
            "source_ref": "invoice:1",
            "currency": "EUR",
            "rate": "1.08330000",
            "reverses": None,
            "posted_at": AT_WIRE,
            "posted_by": "accountant",
            "lines": [
                {
                    "line_no": 1,
                    "account": "1200",
                    "debit": "35.7200",
                    "credit": "0.0000",
                    "amount": "32.9700",
                    "party": "ACME",
                    "sku": None,
                    "invoice_id": 1,
                    "account_type": "asset",
                },
                {
                    "line_no": 2,
                    "account": "4000",
                    "debit": "0.0000",
                    "credit": "35.7200",
                    "amount": "-32.9700",
                    "party": "ACME",
                    "sku": "BOLT",
                    "invoice_id": 1,
                    "account_type": "income",
                },
            ],
        },
    ),
    (
        InvoiceIssued(
            invoice_id=1,
            issue_no=1,
            customer="ACME",
            date=DAY,
            currency="EUR",
            rate=Decimal("1.08330000"),
            subtotal=Decimal("19.9800"),
            tax_total=Decimal("2.0000"),
            total=Decimal("21.9800"),
            lines=(
                InvoiceLine(
                    line_no=1,
                    sku="BOLT",
                    warehouse="MAIN",
                    quantity=Decimal("2.0000"),
                    unit_price=Decimal("9.9900"),
                    tax_rate=Decimal("10.0000"),
                    net=Decimal("19.9800"),
                    tax=Decimal("2.0000"),
                ),
            ),
            entry_id=5,
            due_date=dt.date(2026, 3, 31),
        ),
        {
            "invoice_id": 1,
            "reference": "invoice:1",
            "issue_no": 1,
            "customer": "ACME",
            "date": "2026-03-01",
            "currency": "EUR",
            "rate": "1.08330000",
            "subtotal": "19.9800",
            "tax_total": "2.0000",
            "total": "21.9800",
            "lines": [
                {
                    "line_no": 1,
                    "sku": "BOLT",
                    "warehouse": "MAIN",
                    "quantity": "2.0000",
                    "unit_price": "9.9900",
                    "tax_rate": "10.0000",
                    "net": "19.9800",
                    "tax": "2.0000",
                }
            ],
            "entry_id": 5,
            "due_date": "2026-03-31",
        },
    ),
    (
        InvoiceStatusChanged(
            invoice_id=4,
            customer="ACME",
            currency="USD",
            status="void",
            previous_status="issued",
            total=Decimal("21.9800"),
            paid_amount=Decimal("0.0000"),
            open_amount=Decimal("0.0000"),
            date=DAY,
            changed_at=AT,
            reason="dup",
            due_date=dt.date(2026, 3, 31),
        ),
        {
            "invoice_id": 4,
            "customer": "ACME",
            "currency": "USD",
            "status": "void",
            "total": "21.9800",
            "paid_amount": "0.0000",
            "open_amount": "0.0000",
            "date": "2026-03-01",
            "previous_status": "issued",
            "reason": "dup",
            "changed_at": AT_WIRE,
            "due_date": "2026-03-31",
        },
    ),
    (
        InvoiceVoided(invoice_id=4),
        {"invoice_id": 4, "reference": "invoice:4"},
    ),
    (
        PaymentReceived(
            payment_id=1,
            invoice_id=1,
            customer="ACME",
            date=DAY,
            currency="EUR",
            rate=Decimal("1.08330000"),
            amount=Decimal("5.0000"),
            base_amount=Decimal("5.4200"),
            account="1100",
            entry_id=7,
            open_amount=Decimal("27.9700"),
            status="partially_paid",
        ),
        {
            "payment_id": 1,
            "invoice_id": 1,
            "customer": "ACME",
            "date": "2026-03-01",
            "currency": "EUR",
            "rate": "1.08330000",
            "amount": "5.0000",
            "base_amount": "5.4200",
            "account": "1100",
            "entry_id": 7,
            "open_amount": "27.9700",
            "status": "partially_paid",
        },
    ),
    (
        PeriodClosed(closed_through=dt.date(2026, 1, 31), closed_at=AT, closed_by="accountant"),
        {"closed_through": "2026-01-31", "closed_at": AT_WIRE, "closed_by": "accountant"},
    ),
    (
        PeriodReopened(
            closed_through=dt.date(2025, 11, 30),
            reopened_from=dt.date(2025, 12, 31),
            reopened_at=AT,
            reopened_by="admin",
            reason="late supplier invoice",
        ),
        {
            "closed_through": "2025-11-30",
            "reopened_from": "2025-12-31",
            "reopened_at": AT_WIRE,
            "reopened_by": "admin",
            "reason": "late supplier invoice",
        },
    ),
    (
        PartyChanged(
            kind="customer",
            code="ACME",
            name="ACME Ltd",
            tax_id="GB123456789",
            currency="EUR",
            terms_days=30,
            terms_basis="eom",
            credit_limit=Decimal("5000.0000"),
            active=True,
            updated_at=AT,
        ),
        {
            "kind": "customer",
            "code": "ACME",
            "name": "ACME Ltd",
            "tax_id": "GB123456789",
            "currency": "EUR",
            "terms_days": 30,
            "terms_basis": "eom",
            "credit_limit": "5000.0000",
            "active": True,
            "updated_at": AT_WIRE,
        },
    ),
    (
        BillPosted(
            bill_id=7,
            supplier="DESKCO",
            number="DC-17",
            date=DAY,
            due_date=dt.date(2026, 3, 15),
            currency="EUR",
            rate=Decimal("1.10000000"),
            subtotal=Decimal("255.0000"),
            tax_total=Decimal("51.0000"),
            total=Decimal("306.0000"),
            entry_id=40,
        ),
        {
            "bill_id": 7,
            "supplier": "DESKCO",
            "number": "DC-17",
            "date": "2026-03-01",
            "due_date": "2026-03-15",
            "currency": "EUR",
            "rate": "1.10000000",
            "subtotal": "255.0000",
            "tax_total": "51.0000",
            "total": "306.0000",
            "entry_id": 40,
        },
    ),
    (
        SupplierPaid(
            payment_id=3,
            bill_id=7,
            supplier="DESKCO",
            date=DAY,
            currency="EUR",
            rate=Decimal("1.05000000"),
            amount=Decimal("306.0000"),
            base_amount=Decimal("321.3000"),
            entry_id=41,
            open_amount=Decimal("0.0000"),
        ),
        {
            "payment_id": 3,
            "bill_id": 7,
            "supplier": "DESKCO",
            "date": "2026-03-01",
            "currency": "EUR",
            "rate": "1.05000000",
            "amount": "306.0000",
            "base_amount": "321.3000",
            "entry_id": 41,
            "open_amount": "0.0000",
        },
    ),
    (
        DebitNotePosted(
            debit_note_id=2,
            bill_id=7,
            supplier="DESKCO",
            number="CN-88",
            date=DAY,
            currency="EUR",
            rate=Decimal("1.05000000"),
            subtotal=Decimal("100.0000"),
            tax_total=Decimal("20.0000"),
            total=Decimal("120.0000"),
            entry_id=44,
            open_amount=Decimal("186.0000"),
        ),
        {
            "debit_note_id": 2,
            "bill_id": 7,
            "supplier": "DESKCO",
            "number": "CN-88",
            "date": "2026-03-01",
            "currency": "EUR",
            "rate": "1.05000000",
            "subtotal": "100.0000",
            "tax_total": "20.0000",
            "total": "120.0000",
            "entry_id": 44,
            "open_amount": "186.0000",
        },
    ),
    (
        # A supplier return: `reverses` and `returns` both name the receipt.
        StockMoved(
            movement_id=9,
            type="receipt",
            warehouse="MAIN",
            reason="damaged",
            reverses=4,
            returns=4,
            posting_date=DAY,
            posted_at=AT,
            posted_by="alice",
            lines=(
                StockLine(
                    line_no=0,
                    sku="BOLT",
                    warehouse="MAIN",
                    quantity=Decimal("-2.0000"),
                    unit_cost=Decimal("4.0000"),
                    value=Decimal("-8.00"),
                    on_hand_after=Decimal("4.0000"),
                    value_after=Decimal("16.00"),
                    average_cost_after=Decimal("4.0000"),
                    uom="pcs",
                    purchase_order_id=3,
                    purchase_order_line=1,
                    supplier="SUP",
                ),
            ),
        ),
        {
            "type": "receipt",
            "warehouse": "MAIN",
            "to_warehouse": None,
            "reference": None,
            "reason": "damaged",
            "reverses": 4,
            "returns": 4,
            "posting_date": "2026-03-01",
            "posted_at": AT_WIRE,
            "posted_by": "alice",
            "movement_id": 9,
            "lines": [
                {
                    "line_no": 0,
                    "sku": "BOLT",
                    "warehouse": "MAIN",
                    "quantity": "-2.0000",
                    "unit_cost": "4.0000",
                    "value": "-8.00",
                    "on_hand_after": "4.0000",
                    "value_after": "16.00",
                    "average_cost_after": "4.0000",
                    "uom": "pcs",
                    "purchase_order_id": 3,
                    "purchase_order_line": 1,
                    "supplier": "SUP",
                }
            ],
        },
    ),
    (
        ItemChanged(
            sku="BOLT",
            name="Bolt M8",
            uom="pcs",
            reorder_point=Decimal("10.0000"),
            active=True,
            changed_at=AT,
        ),
        {
            "sku": "BOLT",
            "name": "Bolt M8",
            "uom": "pcs",
            "reorder_point": "10.0000",
            "active": True,
            "changed_at": AT_WIRE,
        },
    ),
    (
        InvoiceGoodsIssued(invoice_id=3, issue_no=2, posting_date=DAY, issued_at=AT),
        {
            "invoice_id": 3,
            "issue_no": 2,
            "reference": "invoice:3",
            "posting_date": "2026-03-01",
            "issued_at": AT_WIRE,
        },
    ),
    (
        InvoiceIssueRequested(
            invoice_id=3,
            issue_no=2,
            customer="ACME",
            date=DAY,
            lines=(
                InvoiceLine(
                    line_no=1,
                    sku="BOLT",
                    warehouse="MAIN",
                    quantity=Decimal("2.0000"),
                    unit_price=Decimal("9.9900"),
                    tax_rate=Decimal("0.0000"),
                    net=Decimal("19.9800"),
                    tax=Decimal("0.0000"),
                ),
            ),
        ),
        {
            "invoice_id": 3,
            "reference": "invoice:3",
            "issue_no": 2,
            "customer": "ACME",
            "date": "2026-03-01",
            "lines": [
                {
                    "line_no": 1,
                    "sku": "BOLT",
                    "warehouse": "MAIN",
                    "quantity": "2.0000",
                    "unit_price": "9.9900",
                    "tax_rate": "0.0000",
                    "net": "19.9800",
                    "tax": "0.0000",
                }
            ],
        },
    ),
    (
        PaymentReversed(
            payment_id=1,
            invoice_id=1,
            customer="ACME",
            date=DAY,
            currency="EUR",
            amount=Decimal("5.0000"),
            base_amount=Decimal("5.4200"),
            entry_id=9,
            reason="bounced",
            open_amount=Decimal("32.9700"),
            status="issued",
        ),
        {
            "payment_id": 1,
            "invoice_id": 1,
            "customer": "ACME",
            "date": "2026-03-01",
            "currency": "EUR",
            "amount": "5.0000",
            "base_amount": "5.4200",
            "entry_id": 9,
            "reason": "bounced",
            "open_amount": "32.9700",
            "status": "issued",
        },
    ),
    (
        CreditNoteIssued(
            credit_note_id=4,
            invoice_id=3,
            customer="ACME",
            date=DAY,
            currency="EUR",
            rate=Decimal("1.08370000"),
            subtotal=Decimal("9.9900"),
            tax_total=Decimal("2.0000"),
            total=Decimal("11.9900"),
            entry_id=12,
            lines=(
                CreditNoteLine(
                    line_no=1,
                    invoice_line=2,
                    sku="BOLT",
                    warehouse="MAIN",
                    quantity=Decimal("1.0000"),
                    net=Decimal("9.9900"),
                    tax=Decimal("2.0000"),
                    return_goods=True,
                ),
            ),
        ),
        {
            "credit_note_id": 4,
            "reference": "credit-note:4",
            "invoice_id": 3,
            "customer": "ACME",
            "date": "2026-03-01",
            "currency": "EUR",
            "rate": "1.08370000",
            "subtotal": "9.9900",
            "tax_total": "2.0000",
            "total": "11.9900",
            "entry_id": 12,
            "lines": [
                {
                    "line_no": 1,
                    "invoice_line": 2,
                    "sku": "BOLT",
                    "warehouse": "MAIN",
                    "quantity": "1.0000",
                    "net": "9.9900",
                    "tax": "2.0000",
                    "return_goods": True,
                }
            ],
        },
    ),
    (
        CreditNoteSettled(
            settlement_id=2,
            credit_note_id=4,
            invoice_id=3,
            kind="allocation",
            target_invoice_id=5,
            customer="ACME",
            date=DAY,
            currency="EUR",
            amount=Decimal("4.0000"),
            base_amount=Decimal("4.3300"),
            entry_id=13,
        ),
        {
            "settlement_id": 2,
            "credit_note_id": 4,
            "invoice_id": 3,
            "kind": "allocation",
            "target_invoice_id": 5,
            "customer": "ACME",
            "date": "2026-03-01",
            "currency": "EUR",
            "amount": "4.0000",
            "base_amount": "4.3300",
            "entry_id": 13,
        },
    ),
]

TOPICS = {
    ItemChanged: "inventory.item-changed",
    StockMoved: "inventory.stock-moved",
    MovementReversed: "inventory.movement-reversed",
    ReservationChanged: "inventory.reservation-changed",
    LowStock: "inventory.low-stock",
    IssueRejected: "inventory.issue-rejected",
    InvoiceGoodsIssued: "inventory.invoice-goods-issued",
    JournalPosted: "finance.journal-posted",
    InvoiceIssueRequested: "finance.invoice-issue-requested",
    InvoiceIssued: "finance.invoice-issued",
    InvoiceStatusChanged: "finance.invoice-status-changed",
    InvoiceVoided: "finance.invoice-voided",
    PaymentReceived: "finance.payment-received",
    PaymentReversed: "finance.payment-reversed",
    PeriodClosed: "finance.period-closed",
    PeriodReopened: "finance.period-reopened",
    PartyChanged: "finance.party-changed",
    BillPosted: "finance.bill-posted",
    SupplierPaid: "finance.supplier-paid",
    PurchaseOrderApproved: "inventory.purchase-order-approved",
    PurchaseOrderClosed: "inventory.purchase-order-closed",
    CreditNoteIssued: "finance.credit-note-issued",
    CreditNoteSettled: "finance.credit-note-settled",
    DebitNotePosted: "finance.debit-note-posted",
}


# The purchase order events are pinned beside their own tests.
CASES += PURCHASE_ORDER_CASES


def _name(case: tuple[Payload, dict[str, Any]]) -> str:
    return case[0].TOPIC


@pytest.mark.parametrize(("payload", "wire"), CASES, ids=[_name(c) for c in CASES])
def test_a_payload_sends_exactly_the_pinned_json(payload: Payload, wire: dict[str, Any]) -> None:
    # Compared as text: key order and every digit are part of what travels.
    assert json.dumps(payload.to_data()) == json.dumps(wire)


@pytest.mark.parametrize(("payload", "wire"), CASES, ids=[_name(c) for c in CASES])
def test_the_pinned_json_parses_back_to_the_payload(payload: Payload, wire: dict[str, Any]) -> None:
    assert type(payload).from_data(wire) == payload


def test_every_topic_is_pinned_under_its_name() -> None:
    assert {type(p) for p, _ in CASES} == set(EVENTS) == set(TOPICS)
    assert {cls: cls.TOPIC for cls in EVENTS} == TOPICS


def test_a_payload_refuses_what_it_cannot_read() -> None:
    wire = CASES[0][1]
    with pytest.raises(KeyError):
        StockMoved.from_data({k: v for k, v in wire.items() if k != "movement_id"})
    for bad in (1.5, None, "NaN"):
        with pytest.raises(ValueError):
            LowStock.from_data({**CASES[3][1], "on_hand": bad})
    with pytest.raises(ValueError):
        MovementReversed.from_data({**CASES[1][1], "posted_at": "2026-03-01T10:00:00"})


def test_a_value_that_may_be_null_may_be_absent() -> None:
    rejected = IssueRejected.from_data({"invoice_id": 2, "reason": "unknown SKU 'NOPE'"})
    assert rejected == IssueRejected(invoice_id=2, issue_no=None, reason="unknown SKU 'NOPE'")


def test_events_kept_from_before_a_field_travelled_still_parse() -> None:
    """Reporting replays kept events on rebuild: a movement without `posting_date` counts on
    the UTC day it was posted, a line without `uom` has none."""
    wire = {k: v for k, v in CASES[0][1].items() if k != "posting_date"}
    wire["lines"] = [{k: v for k, v in ln.items() if k != "uom"} for ln in wire["lines"]]
    moved = StockMoved.from_data(wire)
    assert moved.posting_date is None and moved.posted_on == DAY
    assert moved.lines[0].uom is None
    assert StockMoved.from_data(CASES[0][1]).posted_on == dt.date(2026, 2, 27)
    issued = {k: v for k, v in CASES[6][1].items() if k != "entry_id"}
    assert InvoiceIssued.from_data(issued).entry_id is None


def test_a_flag_travels_as_a_json_boolean() -> None:
    wire = CASES[-4][1]
    for bad in ("true", 1, None):
        with pytest.raises(ValueError):
            ItemChanged.from_data({**wire, "active": bad})


def test_references_build_and_parse() -> None:
    assert invoice_ref(42) == "invoice:42" and invoice_of("invoice:42") == 42
    assert movement_ref(7) == "movement:7" and movement_of("movement:7") == 7
    assert credit_note_ref(5) == "credit-note:5" and credit_note_of("credit-note:5") == 5
    assert credit_note_of("invoice:5") is None and invoice_of("credit-note:5") is None
    for other in (None, "", "PO-1", "invoice:", "invoice:x1", "movement:7"):
        assert invoice_of(other) is None
    assert movement_of("invoice:42") is None
    assert StockMoved.from_data(CASES[0][1]).invoice_id == 1
    journal = JournalPosted.from_data(
        {**CASES[5][1], "source": "stock", "source_ref": "movement:9"}
    )
    assert journal.movement_id == 9
    assert JournalPosted.from_data(CASES[5][1]).movement_id is None
