"""Finance tables (SQLAlchemy Core).

The journal (`journal_entries`, `journal_lines`) is append-only. Account totals, invoice open
amounts and the closing date are kept in step with it inside the same transaction;
`erp finance verify` recomputes them from the lines.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    false,
)

from erp.platform.db.tables import (
    BigId,
    add_platform_tables,
    id_column,
    money_column,
    quantity_column,
    timestamp_column,
)
from erp.platform.db.types import RATE, UNIT_PRICE, ScaledDecimal

PERCENT = ScaledDecimal(4, 10)

metadata = MetaData()
add_platform_tables(metadata)

# One row: the books' base currency, fixed on first start (changing it would corrupt history).
books = Table(
    "books",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("base_currency", String(3), nullable=False),
    timestamp_column("created_at"),
)

accounts = Table(
    "accounts",
    metadata,
    id_column(),
    Column("code", String(16), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("type", String(16), nullable=False),
    Column("parent", String(16), ForeignKey("accounts.code"), nullable=True),
    Column("active", Boolean, nullable=False),
    # Automatic postings rely on system accounts; they cannot be deactivated.
    Column("system", Boolean, nullable=False),
    # Payments are received only on cash or bank accounts.
    Column("cash_or_bank", Boolean, nullable=False, server_default=false()),
    money_column("debit_total"),
    money_column("credit_total"),
    timestamp_column("created_at"),
    CheckConstraint(
        "type IN ('asset','liability','equity','income','expense')", name="ck_accounts_type"
    ),
)

journal_entries = Table(
    "journal_entries",
    metadata,
    id_column(),
    Column("date", Date, nullable=False),
    Column("memo", String(500), nullable=False),
    Column("source", String(16), nullable=False),
    Column("source_ref", String(100), nullable=True),
    # One posting per inventory movement: a redelivered event finds its entry already there.
    Column("event_key", String(100), nullable=True, unique=True),
    Column("currency", String(3), nullable=False),
    Column("rate", RATE, nullable=False),
    Column("reverses", BigId, ForeignKey("journal_entries.id"), nullable=True, unique=True),
    timestamp_column("posted_at"),
    Column("posted_by", String(100), nullable=False),
    CheckConstraint(
        "source IN ('manual','invoice','payment','stock','year-end','bill','bill-payment',"
        "'credit-note','debit-note')",
        name="ck_journal_entries_source",
    ),
    Index("ix_journal_entries_date", "date", "id"),
    Index("ix_journal_entries_source_ref", "source_ref"),
)

journal_lines = Table(
    "journal_lines",
    metadata,
    id_column(),
    Column("entry_id", BigId, ForeignKey("journal_entries.id"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("date", Date, nullable=False),  # the entry's date, kept here for ledger queries
    Column("account", String(16), ForeignKey("accounts.code"), nullable=False),
    money_column("debit"),  # base currency
    money_column("credit"),  # base currency
    money_column("amount"),  # transaction currency, signed (+ debit)
    Column("party", String(200), nullable=True),
    Column("sku", String(64), nullable=True),
    Column("invoice_id", BigId, nullable=True),
    Column("bill_id", BigId, nullable=True),
    Column("tax_code", String(16), nullable=True),  # the sale or purchase it taxes, or its tax
    CheckConstraint("debit >= 0 AND credit >= 0", name="ck_journal_lines_positive"),
    CheckConstraint("debit = 0 OR credit = 0", name="ck_journal_lines_one_side"),
    UniqueConstraint("entry_id", "line_no", name="uq_journal_lines_entry_line"),
    Index("ix_journal_lines_account_date", "account", "date", "id"),
    Index("ix_journal_lines_invoice", "invoice_id"),
    Index("ix_journal_lines_party", "party", "date", "id"),
    Index("ix_journal_lines_bill", "bill_id"),
    Index("ix_journal_lines_tax_code", "tax_code", "date"),
)

# Customers and suppliers. `code` is how documents and journal lines name a party; `code_key`
# (its lower case) makes codes unique per kind without regard to case. Parties made by the
# migration from the names older invoices held keep those names as codes.
parties = Table(
    "parties",
    metadata,
    id_column(),
    Column("kind", String(16), nullable=False),
    Column("code", String(200), nullable=False),
    Column("code_key", String(200), nullable=False),
    Column("name", String(200), nullable=False),
    Column("tax_id", String(64), nullable=True),
    Column("currency", String(3), nullable=True),  # the documents' default; base when null
    Column("terms_days", Integer, nullable=False),
    Column("terms_basis", String(8), nullable=False),  # net: from the date; eom: month end
    money_column("credit_limit", nullable=True),  # customers; null: no limit
    Column("active", Boolean, nullable=False),
    timestamp_column("created_at"),
    Column("created_by", String(100), nullable=False),
    timestamp_column("updated_at"),
    CheckConstraint("kind IN ('customer','supplier')", name="ck_parties_kind"),
    CheckConstraint("terms_basis IN ('net','eom')", name="ck_parties_terms_basis"),
    CheckConstraint("terms_days >= 0", name="ck_parties_terms_days"),
    UniqueConstraint("kind", "code_key", name="uq_parties_kind_code_key"),
)

invoices = Table(
    "invoices",
    metadata,
    id_column(),
    Column("customer", String(200), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("rate", RATE, nullable=False),
    Column("date", Date, nullable=False),
    # Null only on invoices a release before parties wrote (a rollback's window): due on `date`.
    Column("due_date", Date, nullable=True),
    Column("status", String(16), nullable=False),
    Column("hold_reason", String(500), nullable=True),
    Column("issue_no", Integer, nullable=False),  # how many times its goods were asked for
    money_column("subtotal"),
    money_column("tax_total"),
    money_column("total"),
    money_column("paid_amount"),
    money_column("open_amount"),  # = its receivable lines, transaction currency
    money_column("open_base"),  # = its receivable lines, base currency
    Column("issue_entry_id", BigId, ForeignKey("journal_entries.id"), nullable=True),
    timestamp_column("created_at"),
    Column("created_by", String(100), nullable=False),
    timestamp_column("updated_at"),
    # Who last asked for the goods: the issue entry is posted in their name once they left.
    Column("issued_by", String(100), nullable=True),
    CheckConstraint(
        "status IN ('draft','pending','issued','on_hold','partially_paid','paid','void')",
        name="ck_invoices_status",
    ),
    Index("ix_invoices_customer", "customer", "id"),
    Index("ix_invoices_status", "status", "id"),
)

invoice_lines = Table(
    "invoice_lines",
    metadata,
    Column("invoice_id", BigId, ForeignKey("invoices.id"), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("sku", String(64), nullable=False),
    Column("warehouse", String(32), nullable=False),
    quantity_column("quantity"),
    Column("unit_price", UNIT_PRICE, nullable=False),
    Column("tax_rate", PERCENT, nullable=False),
    money_column("net"),
    money_column("tax"),
    Column("tax_code", String(16), nullable=True),
)


def _money_moved() -> list[Column[Any]]:
    """What a payment (received or made) keeps: when, in which currency at which rate, how
    much in it and in the base currency, through which cash or bank account, its entry."""
    return [
        Column("date", Date, nullable=False),
        Column("currency", String(3), nullable=False),
        Column("rate", RATE, nullable=False),
        money_column("amount"),
        money_column("base_amount"),
        Column("account", String(16), ForeignKey("accounts.code"), nullable=False),
        Column("entry_id", BigId, ForeignKey("journal_entries.id"), nullable=False),
        timestamp_column("created_at"),
        Column("created_by", String(100), nullable=False),
    ]


payments = Table(
    "payments",
    metadata,
    id_column(),
    Column("invoice_id", BigId, ForeignKey("invoices.id"), nullable=False),
    Column("customer", String(200), nullable=False),
    *_money_moved(),
    # The entry that reversed it; a payment is reversed at most once.
    Column(
        "reversed_by",
        BigId,
        ForeignKey("journal_entries.id", name="fk_payments_reversed_by"),
        nullable=True,
    ),
    Index("ix_payments_invoice", "invoice_id", "id"),
)

# Issues allowed over a customer's credit limit: who allowed it, why, and the figures then.
credit_overrides = Table(
    "credit_overrides",
    metadata,
    id_column(),
    Column("invoice_id", BigId, ForeignKey("invoices.id"), nullable=False),
    Column("issue_no", Integer, nullable=False),
    money_column("credit_limit"),
    money_column("exposure"),  # open receivables and pending invoices, this one included
    Column("reason", String(500), nullable=False),
    timestamp_column("overridden_at"),
    Column("overridden_by", String(100), nullable=False),
    UniqueConstraint("invoice_id", "issue_no", name="uq_credit_overrides_issue"),
)

# Each receipt line finance posted to goods received not invoiced (2150), in the base currency
# at the entry's date; a reversal's lines are rows too (negative, `reverses` naming the
# receipt). Bills clear them: `billed_*` is what bills have matched so far.
goods_receipts = Table(
    "goods_receipts",
    metadata,
    id_column(),
    Column("movement_id", BigId, nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("reverses", BigId, nullable=True),
    Column("entry_id", BigId, ForeignKey("journal_entries.id"), nullable=False),
    Column("date", Date, nullable=False),
    Column("sku", String(64), nullable=False),
    Column("warehouse", String(32), nullable=False),
    quantity_column("quantity"),
    money_column("value"),
    Column("supplier", String(200), nullable=True),
    Column("purchase_order_id", BigId, nullable=True),
    Column("purchase_order_line", Integer, nullable=True),
    quantity_column("billed_quantity"),
    money_column("billed_value"),
    UniqueConstraint("movement_id", "line_no", name="uq_goods_receipts_line"),
    Index("ix_goods_receipts_reverses", "reverses", "line_no"),
    Index("ix_goods_receipts_supplier", "supplier", "date"),
)

# Suppliers' invoices, posted when entered: `number` is the supplier's own, unique per
# supplier without regard to case (`number_key`), so the same bill is not entered twice.
bills = Table(
    "bills",
    metadata,
    id_column(),
    Column("supplier", String(200), nullable=False),
    Column("number", String(64), nullable=False),
    Column("number_key", String(64), nullable=False),
    Column("date", Date, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("rate", RATE, nullable=False),
    Column("status", String(16), nullable=False),
    money_column("subtotal"),
    money_column("tax_total"),
    money_column("total"),
    money_column("paid_amount"),
    money_column("open_amount"),  # = its payable lines, transaction currency
    money_column("open_base"),  # = its payable lines, base currency
    # Null only inside the transaction that posts it (its entry's lines name the bill's id).
    Column("entry_id", BigId, ForeignKey("journal_entries.id"), nullable=True),
    timestamp_column("created_at"),
    Column("created_by", String(100), nullable=False),
    timestamp_column("updated_at"),
    CheckConstraint("status IN ('open','partially_paid','paid')", name="ck_bills_status"),
    UniqueConstraint("supplier", "number_key", name="uq_bills_supplier_number"),
    Index("ix_bills_supplier", "supplier", "id"),
)

# A line matches a goods receipt (`receipt_id`; its account is GRNI and `cleared` the receipt
# value it takes off) or is an expense posted to `account`.
bill_lines = Table(
    "bill_lines",
    metadata,
    Column("bill_id", BigId, ForeignKey("bills.id"), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("receipt_id", BigId, ForeignKey("goods_receipts.id"), nullable=True),
    Column("account", String(16), ForeignKey("accounts.code"), nullable=False),
    Column("sku", String(64), nullable=True),
    Column("description", String(200), nullable=True),
    quantity_column("quantity"),
    Column("unit_price", UNIT_PRICE, nullable=False),
    Column("tax_rate", PERCENT, nullable=False),
    money_column("net"),
    money_column("tax"),
    money_column("cleared"),  # base currency
    Column("tax_code", String(16), nullable=True),
)

supplier_payments = Table(
    "supplier_payments",
    metadata,
    id_column(),
    Column("bill_id", BigId, ForeignKey("bills.id"), nullable=False),
    Column("supplier", String(200), nullable=False),
    *_money_moved(),
    Index("ix_supplier_payments_bill", "bill_id", "id"),
)

# Output tax (on sales) or input tax (on purchases): at `rate`, zero-rated or exempt. A rate
# never changes (documents already taxed keep theirs): a new rate is a new code.
tax_codes = Table(
    "tax_codes",
    metadata,
    id_column(),
    Column("code", String(16), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("treatment", String(8), nullable=False),
    Column("rate", PERCENT, nullable=False),
    Column("active", Boolean, nullable=False),
    timestamp_column("created_at"),
    CheckConstraint("kind IN ('output','input')", name="ck_tax_codes_kind"),
    CheckConstraint("treatment IN ('standard','zero','exempt')", name="ck_tax_codes_treatment"),
)

# Each row sets the closing date; the latest row is the one in force. A close moves it
# forward; a reopen moves it back and has its row in `period_reopens` too.
period_closes = Table(
    "period_closes",
    metadata,
    id_column(),
    Column("closed_through", Date, nullable=False),
    timestamp_column("closed_at"),
    Column("closed_by", String(100), nullable=False),
)

# The audit trail of reopens: who moved the closing date back, from when to when, and why.
period_reopens = Table(
    "period_reopens",
    metadata,
    id_column(),
    Column("close_id", BigId, ForeignKey("period_closes.id"), nullable=False, unique=True),
    Column("reopened_from", Date, nullable=False),  # the closing date before
    Column("closed_through", Date, nullable=False),  # the closing date after
    timestamp_column("reopened_at"),
    Column("reopened_by", String(100), nullable=False),
    Column("reason", String(500), nullable=False),
)

idempotency_keys = metadata.tables["idempotency_keys"]

# Customer credit notes against issued invoices: the credited lines' sales and tax reversed and
# the receivable credited, tagged with the invoice. What the invoice's open amount could not
# take (it was paid beyond what remains) is `unapplied`: a customer credit that a refund or an
# allocation to another open invoice settles (`credit_note_settlements`).
credit_notes = Table(
    "credit_notes",
    metadata,
    id_column(),
    Column("invoice_id", BigId, ForeignKey("invoices.id"), nullable=False),
    Column("customer", String(200), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("rate", RATE, nullable=False),  # the invoice's
    Column("date", Date, nullable=False),
    Column("reason", String(500), nullable=True),
    money_column("subtotal"),
    money_column("tax_total"),
    money_column("total"),
    money_column("applied"),  # what reduced the invoice's open amount
    money_column("unapplied"),  # the customer credit still to refund or allocate
    Column("entry_id", BigId, ForeignKey("journal_entries.id"), nullable=True),
    timestamp_column("created_at"),
    Column("created_by", String(100), nullable=False),
    Index("ix_credit_notes_invoice", "invoice_id", "id"),
    Index("ix_credit_notes_customer", "customer", "id"),
)

credit_note_lines = Table(
    "credit_note_lines",
    metadata,
    Column("credit_note_id", BigId, ForeignKey("credit_notes.id"), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("invoice_id", BigId, ForeignKey("invoices.id"), nullable=False),
    Column("invoice_line", Integer, nullable=False),  # the invoice's line_no
    Column("sku", String(64), nullable=False),
    Column("warehouse", String(32), nullable=False),
    quantity_column("quantity"),
    money_column("net"),
    money_column("tax"),
    money_column("net_base"),  # what the entry debited to sales
    money_column("tax_base"),  # what the entry debited to tax payable
    Column("return_goods", Boolean, nullable=False),
    Index("ix_credit_note_lines_invoice_line", "invoice_id", "invoice_line"),
)

# How a credit note's customer credit was settled: paid out (`refund`, on a cash or bank
# account) or applied to another open invoice of the customer (`allocation`).
credit_note_settlements = Table(
    "credit_note_settlements",
    metadata,
    id_column(),
    Column("credit_note_id", BigId, ForeignKey("credit_notes.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("invoice_id", BigId, ForeignKey("invoices.id"), nullable=True),  # allocations
    Column("account", String(16), ForeignKey("accounts.code"), nullable=True),  # refunds
    Column("date", Date, nullable=False),
    money_column("amount"),
    money_column("base_amount"),
    Column("entry_id", BigId, ForeignKey("journal_entries.id"), nullable=False),
    timestamp_column("created_at"),
    Column("created_by", String(100), nullable=False),
    CheckConstraint("kind IN ('refund','allocation')", name="ck_credit_note_settlements_kind"),
    Index("ix_credit_note_settlements_note", "credit_note_id", "id"),
)

# Suppliers' credits against a bill (their credit note `number`, unique per supplier without
# regard to case): the credited lines' GRNI, variance or expense and input tax are reversed and
# the payable debited, tagged with the bill, at the bill's rate. `base_total` is the payable
# relieved in the base currency.
debit_notes = Table(
    "debit_notes",
    metadata,
    id_column(),
    Column("bill_id", BigId, ForeignKey("bills.id"), nullable=False),
    Column("supplier", String(200), nullable=False),
    Column("number", String(64), nullable=False),
    Column("number_key", String(64), nullable=False),
    Column("date", Date, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("rate", RATE, nullable=False),  # the bill's
    money_column("subtotal"),
    money_column("tax_total"),
    money_column("total"),
    money_column("base_total"),
    Column("entry_id", BigId, ForeignKey("journal_entries.id"), nullable=False),
    timestamp_column("created_at"),
    Column("created_by", String(100), nullable=False),
    UniqueConstraint("supplier", "number_key", name="uq_debit_notes_supplier_number"),
    Index("ix_debit_notes_bill", "bill_id", "id"),
)

# One per credited bill line: its share of the line's net, tax and (for a receipt line) the
# GRNI it cleared, which goes back to 2150 and off the receipt's billed value.
debit_note_lines = Table(
    "debit_note_lines",
    metadata,
    Column("debit_note_id", BigId, ForeignKey("debit_notes.id"), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("bill_id", BigId, ForeignKey("bills.id"), nullable=False),
    Column("bill_line", Integer, nullable=False),  # the bill's line_no
    Column("receipt_id", BigId, ForeignKey("goods_receipts.id"), nullable=True),
    Column("account", String(16), ForeignKey("accounts.code"), nullable=False),
    quantity_column("quantity"),
    money_column("net"),
    money_column("tax"),
    money_column("cleared"),  # base currency; zero for an expense line
    Column("tax_code", String(16), nullable=True),
    Index("ix_debit_note_lines_bill_line", "bill_id", "bill_line"),
    Index("ix_debit_note_lines_receipt", "receipt_id"),
)
