"""The events finance publishes (source `erp/finance`).

Subjects: `journal` for entries, `invoice/<id>` for an invoice's events and its payments,
`periods` for closes. Amounts of an invoice or payment are in its currency; `debit` and
`credit` of a journal line in the base currency, `amount` signed in the entry's currency.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, Self

from erp.contracts.references import invoice_ref, movement_of
from erp.contracts.wire import Data, Payload, day, decimal, int_or_none, moment, out, str_or_none

ACCOUNT_TYPES = frozenset({"asset", "liability", "equity", "income", "expense"})


@dataclass(frozen=True, kw_only=True)
class JournalLine:
    line_no: int
    account: str
    account_type: str  # asset | liability | equity | income | expense
    debit: Decimal
    credit: Decimal
    amount: Decimal
    party: str | None = None
    sku: str | None = None
    invoice_id: int | None = None

    def to_data(self) -> Data:
        return {
            "line_no": self.line_no,
            "account": self.account,
            "debit": out(self.debit),
            "credit": out(self.credit),
            "amount": out(self.amount),
            "party": self.party,
            "sku": self.sku,
            "invoice_id": self.invoice_id,
            "account_type": self.account_type,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        kind = str(data["account_type"])
        if kind not in ACCOUNT_TYPES:
            raise ValueError(f"lines.account_type: unknown type {kind!r}")
        return cls(
            line_no=int(data["line_no"]),
            account=str(data["account"]),
            account_type=kind,
            debit=decimal(data["debit"], "lines.debit"),
            credit=decimal(data["credit"], "lines.credit"),
            amount=decimal(data["amount"], "lines.amount"),
            party=str_or_none(data.get("party")),
            sku=str_or_none(data.get("sku")),
            invoice_id=int_or_none(data.get("invoice_id")),
        )


@dataclass(frozen=True, kw_only=True)
class JournalPosted(Payload):
    """Every posted entry, reversals included. Summing `debit - credit` by account gives the
    trial balance; the account types give the P&L and the balance sheet."""

    TOPIC: ClassVar[str] = "finance.journal-posted"

    entry_id: int
    date: dt.date
    memo: str
    source: str  # manual | invoice | payment | stock
    currency: str
    rate: Decimal
    posted_at: dt.datetime
    posted_by: str
    lines: tuple[JournalLine, ...]
    source_ref: str | None = None  # `invoice:<id>`, `movement:<id>`
    reverses: int | None = None

    @property
    def movement_id(self) -> int | None:
        """The stock movement this entry posts."""
        return movement_of(self.source_ref) if self.source == "stock" else None

    def to_data(self) -> Data:
        return {
            "entry_id": self.entry_id,
            "date": out(self.date),
            "memo": self.memo,
            "source": self.source,
            "source_ref": self.source_ref,
            "currency": self.currency,
            "rate": out(self.rate),
            "reverses": self.reverses,
            "posted_at": out(self.posted_at),
            "posted_by": self.posted_by,
            "lines": [line.to_data() for line in self.lines],
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            entry_id=int(data["entry_id"]),
            date=day(data["date"], "date"),
            memo=str(data["memo"]),
            source=str(data["source"]),
            source_ref=str_or_none(data.get("source_ref")),
            currency=str(data["currency"]),
            rate=decimal(data["rate"], "rate"),
            reverses=int_or_none(data.get("reverses")),
            posted_at=moment(data["posted_at"], "posted_at"),
            posted_by=str(data["posted_by"]),
            lines=tuple(JournalLine.from_data(line) for line in data["lines"]),
        )


@dataclass(frozen=True, kw_only=True)
class InvoiceLine:
    line_no: int
    sku: str
    warehouse: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal  # percent
    net: Decimal
    tax: Decimal

    def to_data(self) -> Data:
        return {
            "line_no": self.line_no,
            "sku": self.sku,
            "warehouse": self.warehouse,
            "quantity": out(self.quantity),
            "unit_price": out(self.unit_price),
            "tax_rate": out(self.tax_rate),
            "net": out(self.net),
            "tax": out(self.tax),
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            line_no=int(data["line_no"]),
            sku=str(data["sku"]),
            warehouse=str(data["warehouse"]),
            quantity=decimal(data["quantity"], "lines.quantity"),
            unit_price=decimal(data["unit_price"], "lines.unit_price"),
            tax_rate=decimal(data["tax_rate"], "lines.tax_rate"),
            net=decimal(data["net"], "lines.net"),
            tax=decimal(data["tax"], "lines.tax"),
        )


@dataclass(frozen=True, kw_only=True)
class InvoiceIssued(Payload):
    """An invoice was issued (again, with a higher `issue_no`, after a hold): inventory issues
    its goods with the reference `invoice:<id>`."""

    TOPIC: ClassVar[str] = "finance.invoice-issued"

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

    @property
    def reference(self) -> str:
        return invoice_ref(self.invoice_id)

    def to_data(self) -> Data:
        return {
            "invoice_id": self.invoice_id,
            "reference": self.reference,
            "issue_no": self.issue_no,
            "customer": self.customer,
            "date": out(self.date),
            "currency": self.currency,
            "rate": out(self.rate),
            "subtotal": out(self.subtotal),
            "tax_total": out(self.tax_total),
            "total": out(self.total),
            "lines": [line.to_data() for line in self.lines],
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            invoice_id=int(data["invoice_id"]),
            issue_no=int(data["issue_no"]),
            customer=str(data["customer"]),
            date=day(data["date"], "date"),
            currency=str(data["currency"]),
            rate=decimal(data["rate"], "rate"),
            subtotal=decimal(data["subtotal"], "subtotal"),
            tax_total=decimal(data["tax_total"], "tax_total"),
            total=decimal(data["total"], "total"),
            lines=tuple(InvoiceLine.from_data(line) for line in data["lines"]),
        )


@dataclass(frozen=True, kw_only=True)
class InvoiceStatusChanged(Payload):
    """draft → issued → partially_paid → paid; on_hold; void. `reason` for holds and voids."""

    TOPIC: ClassVar[str] = "finance.invoice-status-changed"

    invoice_id: int
    customer: str
    currency: str
    status: str
    previous_status: str
    total: Decimal
    paid_amount: Decimal
    open_amount: Decimal
    date: dt.date
    changed_at: dt.datetime
    reason: str | None = None

    def to_data(self) -> Data:
        return {
            "invoice_id": self.invoice_id,
            "customer": self.customer,
            "currency": self.currency,
            "status": self.status,
            "total": out(self.total),
            "paid_amount": out(self.paid_amount),
            "open_amount": out(self.open_amount),
            "date": out(self.date),
            "previous_status": self.previous_status,
            "reason": self.reason,
            "changed_at": out(self.changed_at),
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            invoice_id=int(data["invoice_id"]),
            customer=str(data["customer"]),
            currency=str(data["currency"]),
            status=str(data["status"]),
            total=decimal(data["total"], "total"),
            paid_amount=decimal(data["paid_amount"], "paid_amount"),
            open_amount=decimal(data["open_amount"], "open_amount"),
            date=day(data["date"], "date"),
            previous_status=str(data["previous_status"]),
            reason=str_or_none(data.get("reason")),
            changed_at=moment(data["changed_at"], "changed_at"),
        )


@dataclass(frozen=True, kw_only=True)
class InvoiceVoided(Payload):
    """An issued invoice was voided: the goods issued for it go back."""

    TOPIC: ClassVar[str] = "finance.invoice-voided"

    invoice_id: int

    @property
    def reference(self) -> str:
        return invoice_ref(self.invoice_id)

    def to_data(self) -> Data:
        return {"invoice_id": self.invoice_id, "reference": self.reference}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        return cls(invoice_id=int(data["invoice_id"]))


@dataclass(frozen=True, kw_only=True)
class PaymentReceived(Payload):
    """`amount` in the invoice's currency, `base_amount` what it was worth in the base one;
    `open_amount` and `status` are the invoice's after it."""

    TOPIC: ClassVar[str] = "finance.payment-received"

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

    def to_data(self) -> Data:
        return {
            "payment_id": self.payment_id,
            "invoice_id": self.invoice_id,
            "customer": self.customer,
            "date": out(self.date),
            "currency": self.currency,
            "rate": out(self.rate),
            "amount": out(self.amount),
            "base_amount": out(self.base_amount),
            "account": self.account,
            "entry_id": self.entry_id,
            "open_amount": out(self.open_amount),
            "status": self.status,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            payment_id=int(data["payment_id"]),
            invoice_id=int(data["invoice_id"]),
            customer=str(data["customer"]),
            date=day(data["date"], "date"),
            currency=str(data["currency"]),
            rate=decimal(data["rate"], "rate"),
            amount=decimal(data["amount"], "amount"),
            base_amount=decimal(data["base_amount"], "base_amount"),
            account=str(data["account"]),
            entry_id=int(data["entry_id"]),
            open_amount=decimal(data["open_amount"], "open_amount"),
            status=str(data["status"]),
        )


@dataclass(frozen=True, kw_only=True)
class PeriodClosed(Payload):
    """Nothing can be posted on or before `closed_through` any more."""

    TOPIC: ClassVar[str] = "finance.period-closed"

    closed_through: dt.date
    closed_at: dt.datetime
    closed_by: str

    def to_data(self) -> Data:
        return {
            "closed_through": out(self.closed_through),
            "closed_at": out(self.closed_at),
            "closed_by": self.closed_by,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            closed_through=day(data["closed_through"], "closed_through"),
            closed_at=moment(data["closed_at"], "closed_at"),
            closed_by=str(data["closed_by"]),
        )
