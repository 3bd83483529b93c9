"""The events finance publishes (source `erp/finance`).

Subjects: `journal` for entries, `invoice/<id>` for an invoice's events and its payments,
`periods` for closes and reopens. Amounts of an invoice or payment are in its currency; `debit` and
`credit` of a journal line in the base currency, `amount` signed in the entry's currency.

Fields stand in the order their keys travel (see `erp.contracts.wire.Record`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, Self

from erp.contracts.references import credit_note_ref, invoice_ref, movement_of
from erp.contracts.wire import Payload, Record

ACCOUNT_TYPES = frozenset({"asset", "liability", "equity", "income", "expense"})


@dataclass(frozen=True, kw_only=True)
class JournalLine(Record):
    line_no: int
    account: str
    debit: Decimal
    credit: Decimal
    amount: Decimal
    party: str | None = None
    sku: str | None = None
    invoice_id: int | None = None
    account_type: str  # asset | liability | equity | income | expense
    tax_code: str | None = None  # the tax code of the document line it posts

    # Sent only when set: an untaxed line travels exactly as it always has.
    OMITTED_WHEN_NULL: ClassVar[tuple[str, ...]] = ("tax_code",)

    @classmethod
    def from_data(cls, data: Mapping[str, Any], prefix: str = "") -> Self:
        line = super().from_data(data, prefix)
        if line.account_type not in ACCOUNT_TYPES:
            raise ValueError(f"{prefix}account_type: unknown type {line.account_type!r}")
        return line


@dataclass(frozen=True, kw_only=True)
class JournalPosted(Payload):
    """Every posted entry, reversals included. Summing `debit - credit` by account gives the
    trial balance; the account types give the P&L and the balance sheet."""

    TOPIC: ClassVar[str] = "finance.journal-posted"
    ROW_KEYS: ClassVar[Mapping[str, str]] = {"entry_id": "id"}

    entry_id: int
    date: dt.date
    memo: str
    source: str  # manual | invoice | payment | stock | year-end (closes income and expenses)
    source_ref: str | None = None  # `invoice:<id>`, `movement:<id>`
    currency: str
    rate: Decimal
    reverses: int | None = None
    posted_at: dt.datetime
    posted_by: str
    lines: tuple[JournalLine, ...]

    @property
    def movement_id(self) -> int | None:
        """The stock movement this entry posts."""
        return movement_of(self.source_ref) if self.source == "stock" else None


@dataclass(frozen=True, kw_only=True)
class InvoiceLine(Record):
    line_no: int
    sku: str
    warehouse: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal  # percent
    net: Decimal
    tax: Decimal


@dataclass(frozen=True, kw_only=True)
class InvoiceIssueRequested(Payload):
    """An invoice asks for its goods (`issue_no` counts the attempts; a hold and a new issue
    ask again): inventory issues every line with the reference `invoice:<id>` on the invoice's
    `date`, all or nothing, and answers `inventory.invoice-goods-issued` or
    `inventory.issue-rejected`. Nothing is posted in finance until the goods have left."""

    TOPIC: ClassVar[str] = "finance.invoice-issue-requested"
    SENT_AFTER: ClassVar[Mapping[str, str]] = {"reference": "invoice_id"}
    ROW_KEYS: ClassVar[Mapping[str, str]] = {"invoice_id": "id"}

    invoice_id: int
    issue_no: int
    customer: str
    date: dt.date
    lines: tuple[InvoiceLine, ...]

    @property
    def reference(self) -> str:
        return invoice_ref(self.invoice_id)


@dataclass(frozen=True, kw_only=True)
class InvoiceIssued(Payload):
    """An invoice is issued: its goods have left stock and its receivable, sales and tax are
    posted (entry `entry_id`, dated `date`). Published once per successful issue."""

    TOPIC: ClassVar[str] = "finance.invoice-issued"
    SENT_AFTER: ClassVar[Mapping[str, str]] = {"reference": "invoice_id"}
    ROW_KEYS: ClassVar[Mapping[str, str]] = {"invoice_id": "id"}

    invoice_id: int
    issue_no: int
    customer: str
    date: dt.date
    currency: str
    rate: Decimal
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal
    lines: tuple[InvoiceLine, ...]
    entry_id: int | None = None  # absent in events from before it travelled
    due_date: dt.date | None = None  # absent before due dates: due on `date`

    @property
    def reference(self) -> str:
        return invoice_ref(self.invoice_id)


@dataclass(frozen=True, kw_only=True)
class InvoiceStatusChanged(Payload):
    """draft → pending (goods asked for) → issued → partially_paid → paid; pending → on_hold
    (the goods could not be issued; nothing was posted); void. `reason` for holds and voids."""

    TOPIC: ClassVar[str] = "finance.invoice-status-changed"
    ROW_KEYS: ClassVar[Mapping[str, str]] = {"invoice_id": "id"}

    invoice_id: int
    customer: str
    currency: str
    status: str
    total: Decimal
    paid_amount: Decimal
    open_amount: Decimal
    date: dt.date
    previous_status: str
    reason: str | None = None
    changed_at: dt.datetime
    due_date: dt.date | None = None  # absent before due dates: due on `date`


@dataclass(frozen=True, kw_only=True)
class InvoiceVoided(Payload):
    """An issued invoice was voided: the goods issued for it go back."""

    TOPIC: ClassVar[str] = "finance.invoice-voided"
    SENT_AFTER: ClassVar[Mapping[str, str]] = {"reference": "invoice_id"}

    invoice_id: int

    @property
    def reference(self) -> str:
        return invoice_ref(self.invoice_id)


@dataclass(frozen=True, kw_only=True)
class PaymentReceived(Payload):
    """`amount` in the invoice's currency, `base_amount` what it was worth in the base one;
    `open_amount` and `status` are the invoice's after it."""

    TOPIC: ClassVar[str] = "finance.payment-received"
    ROW_KEYS: ClassVar[Mapping[str, str]] = {"payment_id": "id"}

    payment_id: int
    invoice_id: int
    customer: str
    date: dt.date
    currency: str
    rate: Decimal
    amount: Decimal
    base_amount: Decimal
    account: str
    entry_id: int
    open_amount: Decimal
    status: str


@dataclass(frozen=True, kw_only=True)
class PaymentReversed(Payload):
    """Payment `payment_id` was reversed by entry `entry_id` dated `date`: the invoice is open
    again by `amount` (its currency); `open_amount` and `status` are the invoice's after it."""

    TOPIC: ClassVar[str] = "finance.payment-reversed"

    payment_id: int
    invoice_id: int
    customer: str
    date: dt.date
    currency: str
    amount: Decimal
    base_amount: Decimal
    entry_id: int
    reason: str | None = None
    open_amount: Decimal
    status: str


@dataclass(frozen=True, kw_only=True)
class PeriodClosed(Payload):
    """Nothing can be posted on or before `closed_through` any more."""

    TOPIC: ClassVar[str] = "finance.period-closed"

    closed_through: dt.date
    closed_at: dt.datetime
    closed_by: str


@dataclass(frozen=True, kw_only=True)
class PeriodReopened(Payload):
    """An admin moved the closing date back: days after `closed_through` take postings
    again. `reopened_from` was the closing date before; the latest of closes and reopens
    (by `closed_at` / `reopened_at`) is the one in force."""

    TOPIC: ClassVar[str] = "finance.period-reopened"

    closed_through: dt.date
    reopened_from: dt.date
    reopened_at: dt.datetime
    reopened_by: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class BillLine(Record):
    """One line of a bill, in the bill's currency: `account` is where its net went (2150 for a
    line billing a goods receipt line). A matched line names that receipt line (the receipt's
    stock movement and line number) and `cleared`, the receipt value it takes off goods
    received not invoiced (base currency)."""

    line_no: int
    sku: str | None = None
    quantity: Decimal | None = None
    net: Decimal
    tax: Decimal
    tax_code: str | None = None
    account: str
    receipt_movement_id: int | None = None
    receipt_line_no: int | None = None
    cleared: Decimal | None = None

    # Sent only when set, so an unmatched line carries no receipt keys.
    OMITTED_WHEN_NULL: ClassVar[tuple[str, ...]] = (
        "receipt_movement_id",
        "receipt_line_no",
        "cleared",
    )


@dataclass(frozen=True, kw_only=True)
class BillPosted(Payload):
    """A supplier's bill was entered and posted (entry `entry_id`): `total` owed on accounts
    payable from `date`, due on `due_date`. Amounts in `currency`. `lines` is absent in events
    from before bill lines travelled."""

    TOPIC: ClassVar[str] = "finance.bill-posted"

    bill_id: int
    supplier: str
    number: str  # the supplier's own invoice number
    date: dt.date
    due_date: dt.date
    currency: str
    rate: Decimal
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal
    entry_id: int
    lines: tuple[BillLine, ...] | None = None

    OMITTED_WHEN_NULL: ClassVar[tuple[str, ...]] = ("lines",)


@dataclass(frozen=True, kw_only=True)
class SupplierPaid(Payload):
    """A payment on a bill (entry `entry_id`); `open_amount` is what the bill still owes."""

    TOPIC: ClassVar[str] = "finance.supplier-paid"

    payment_id: int
    bill_id: int
    supplier: str
    date: dt.date
    currency: str
    rate: Decimal
    amount: Decimal
    base_amount: Decimal
    entry_id: int
    open_amount: Decimal


@dataclass(frozen=True, kw_only=True)
class PartyChanged(Payload):
    """A customer or supplier was created or changed (terms, limit, (de)activation); the
    whole record each time. `code` is how documents and journal lines name the party."""

    TOPIC: ClassVar[str] = "finance.party-changed"

    kind: str  # customer | supplier
    code: str
    name: str
    tax_id: str | None = None
    currency: str | None = None  # the documents' default; the base currency when absent
    terms_days: int
    terms_basis: str  # net: days from the document date; eom: from the end of its month
    credit_limit: Decimal | None = None  # customers; absent: no limit
    active: bool
    updated_at: dt.datetime


@dataclass(frozen=True, kw_only=True)
class CreditNoteLine(Record):
    """One credited invoice line: `quantity` of invoice line `invoice_line`, its net and tax
    (in the credit note's currency); `return_goods` when the goods come back to stock."""

    line_no: int
    invoice_line: int
    sku: str
    warehouse: str
    quantity: Decimal
    net: Decimal
    tax: Decimal
    return_goods: bool


@dataclass(frozen=True, kw_only=True)
class CreditNoteIssued(Payload):
    """A customer credit note against issued invoice `invoice_id` was posted (entry
    `entry_id`, dated `date`): sales and tax reversed, the receivable credited. Inventory takes
    back the goods of the lines with `return_goods` into their warehouse, with the reference
    `credit-note:<id>`, at the unit cost they left with for the invoice."""

    TOPIC: ClassVar[str] = "finance.credit-note-issued"
    SENT_AFTER: ClassVar[Mapping[str, str]] = {"reference": "credit_note_id"}
    ROW_KEYS: ClassVar[Mapping[str, str]] = {"credit_note_id": "id", "invoice_id": "invoice"}

    credit_note_id: int
    invoice_id: int
    customer: str
    date: dt.date
    currency: str
    rate: Decimal
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal
    entry_id: int
    lines: tuple[CreditNoteLine, ...]

    @property
    def reference(self) -> str:
        return credit_note_ref(self.credit_note_id)

    @property
    def invoice_reference(self) -> str:
        return invoice_ref(self.invoice_id)


@dataclass(frozen=True, kw_only=True)
class CreditNoteSettled(Payload):
    """Part or all of the customer credit of credit note `credit_note_id` was settled (entry
    `entry_id`, dated `date`): paid out (`kind` refund) or applied to the customer's open
    invoice `target_invoice_id` (`kind` allocation). From `date` the credit note's invoice
    `invoice_id` holds `amount` less credit (its open amount goes back up by it), and an
    allocation's target owes `amount` less, as after a payment. Amounts in the credit note's
    `currency`; `base_amount` is the credit released, at the invoice's rate."""

    TOPIC: ClassVar[str] = "finance.credit-note-settled"
    ROW_KEYS: ClassVar[Mapping[str, str]] = {"settlement_id": "id"}

    settlement_id: int
    credit_note_id: int
    invoice_id: int
    kind: str  # refund | allocation
    target_invoice_id: int | None = None  # an allocation's invoice
    customer: str
    date: dt.date
    currency: str
    amount: Decimal
    base_amount: Decimal
    entry_id: int


@dataclass(frozen=True, kw_only=True)
class DebitNotePosted(Payload):
    """A supplier's credit against bill `bill_id` was posted as a debit note (entry
    `entry_id`, dated `date`): `total` comes off what the bill owes, like a payment, and
    `open_amount` is what it still owes. `number` is the supplier's credit note number.
    Amounts in the bill's `currency`, at its `rate`. `lines` are the credited bill lines
    (`line_no` the debit note's own; `quantity`, `net` and `tax` credited; a line on a goods
    receipt names it and `cleared`, the GRNI put back, base currency)."""

    TOPIC: ClassVar[str] = "finance.debit-note-posted"
    ROW_KEYS: ClassVar[Mapping[str, str]] = {"debit_note_id": "id", "bill_id": "bill"}

    debit_note_id: int
    bill_id: int
    supplier: str
    number: str
    date: dt.date
    currency: str
    rate: Decimal
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal
    entry_id: int
    open_amount: Decimal
    lines: tuple[BillLine, ...] | None = None

    OMITTED_WHEN_NULL: ClassVar[tuple[str, ...]] = ("lines",)
