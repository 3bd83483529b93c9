"""Finance tables (SQLAlchemy Core).

The journal (`journal_entries`, `journal_lines`) is append-only. Account totals, invoice open
amounts and the closing date are kept in step with it inside the same transaction;
`erp finance verify` recomputes them from the lines.
"""

from __future__ import annotations

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
        "source IN ('manual','invoice','payment','stock','year-end')",
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
    CheckConstraint("debit >= 0 AND credit >= 0", name="ck_journal_lines_positive"),
    CheckConstraint("debit = 0 OR credit = 0", name="ck_journal_lines_one_side"),
    UniqueConstraint("entry_id", "line_no", name="uq_journal_lines_entry_line"),
    Index("ix_journal_lines_account_date", "account", "date", "id"),
    Index("ix_journal_lines_invoice", "invoice_id"),
    Index("ix_journal_lines_party", "party", "date", "id"),
)

invoices = Table(
    "invoices",
    metadata,
    id_column(),
    Column("customer", String(200), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("rate", RATE, nullable=False),
    Column("date", Date, nullable=False),
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
)

payments = Table(
    "payments",
    metadata,
    id_column(),
    Column("invoice_id", BigId, ForeignKey("invoices.id"), nullable=False),
    Column("customer", String(200), nullable=False),
    Column("date", Date, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("rate", RATE, nullable=False),
    money_column("amount"),
    money_column("base_amount"),
    Column("account", String(16), ForeignKey("accounts.code"), nullable=False),
    Column("entry_id", BigId, ForeignKey("journal_entries.id"), nullable=False),
    timestamp_column("created_at"),
    Column("created_by", String(100), nullable=False),
    # The entry that reversed it; a payment is reversed at most once.
    Column(
        "reversed_by",
        BigId,
        ForeignKey("journal_entries.id", name="fk_payments_reversed_by"),
        nullable=True,
    ),
    Index("ix_payments_invoice", "invoice_id", "id"),
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
