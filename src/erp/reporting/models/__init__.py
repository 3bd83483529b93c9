"""Reporting tables (SQLAlchemy Core). Nothing here is business truth: every table except
`received_events` and the cache marks is a read model that `erp reporting rebuild` can drop and
rebuild from the events kept in `received_events`.

Balances are pre-aggregated at four grains (`y` year, `m` month, `t` ten days: the parts of a
month starting on the 1st, 11th and 21st, `d` day; `period` is the grain's first day), so a
figure "as of D" sums the years before D's year, the months of that year before D's month, the
parts of that month before D's part and the days of D's part up to D: a bounded number of rows
however long the history is (years + 11 + 2 + 11 per key). All of them are sums, so events may
arrive in any order.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    text,
)

from erp.platform.db.tables import (
    add_platform_tables,
    event_columns,
    id_column,
    money_column,
    quantity_column,
    timestamp_column,
)
from erp.platform.db.types import QUANTITY, RATE

metadata = MetaData()
add_platform_tables(metadata)

# Every event as it arrived, so the read models can be rebuilt from them.
received_events = Table(
    "received_events",
    metadata,
    id_column(),
    Column("event_id", String(64), nullable=False, unique=True),
    Column("source", String(120), nullable=False),
    *event_columns(),
    timestamp_column("time"),
    Column("payload", Text, nullable=False),
    timestamp_column("received_at"),
)

# The newest event seen per source: what every report says it reflects.
positions = Table(
    "positions",
    metadata,
    Column("source", String(120), primary_key=True),
    timestamp_column("last_time"),
    Column("last_sequence", BigInteger, nullable=False),
    Column("events", BigInteger, nullable=False),
)

ledger_accounts = Table(
    "ledger_accounts",
    metadata,
    Column("code", String(16), primary_key=True),
    Column("type", String(16), nullable=False),
)

# On PostgreSQL the key's index also carries the sums (INCLUDE), so an "as of" read is an
# index-only scan of a few contiguous key ranges instead of one heap page per bucket row.
ledger_balances = Table(
    "ledger_balances",
    metadata,
    Column("grain", String(1), nullable=False),
    Column("period", Date, nullable=False),
    Column("account", String(16), nullable=False),
    money_column("debit"),
    money_column("credit"),
    PrimaryKeyConstraint("grain", "period", "account", postgresql_include=["debit", "credit"]),
)

# The lines of finance's year-end closing entries (source `year-end`) per day and account:
# in `ledger_balances` like any line, and here too, so the profit and loss can leave them out.
closing_lines = Table(
    "closing_lines",
    metadata,
    Column("day", Date, nullable=False),
    Column("account", String(16), nullable=False),
    money_column("debit"),
    money_column("credit"),
    PrimaryKeyConstraint("day", "account"),
)

stock_balances = Table(
    "stock_balances",
    metadata,
    Column("grain", String(1), nullable=False),
    Column("period", Date, nullable=False),
    Column("sku", String(64), nullable=False),
    Column("warehouse", String(32), nullable=False),
    quantity_column("quantity"),
    money_column("value"),
    PrimaryKeyConstraint(
        "grain", "period", "sku", "warehouse", postgresql_include=["quantity", "value"]
    ),
)

# Stock flows per day, item, warehouse and movement type (the movements report).
stock_flows = Table(
    "stock_flows",
    metadata,
    Column("day", Date, primary_key=True),
    Column("sku", String(64), primary_key=True),
    Column("warehouse", String(32), primary_key=True),
    Column("type", String(16), primary_key=True),
    quantity_column("quantity_in"),
    quantity_column("quantity_out"),
    money_column("value_in"),
    money_column("value_out"),
    Column("lines", BigInteger, nullable=False),
)

# One row per stock movement that moves value, and its posting in the ledger: either half may
# arrive first. `is_open` marks rows whose halves are not both there on the same day; only those
# are read by the reconciliation (a partial index keeps that bounded by the lag).
stock_links = Table(
    "stock_links",
    metadata,
    Column("movement_id", BigInteger, primary_key=True, autoincrement=False),
    Column("warehouse", String(32), nullable=True),
    Column("stock_day", Date, nullable=True),
    money_column("stock_value", nullable=True),
    Column("ledger_day", Date, nullable=True),
    money_column("ledger_value", nullable=True),
    Column("is_open", Boolean, nullable=False),
    Index(
        "ix_stock_links_open",
        "movement_id",
        postgresql_where=text("is_open"),
        sqlite_where=text("is_open"),
    ),
)

sales_invoices = Table(
    "sales_invoices",
    metadata,
    Column("invoice_id", BigInteger, primary_key=True, autoincrement=False),
    Column("customer", String(200), nullable=False),
    Column("day", Date, nullable=False),
    Column("due_day", Date, nullable=True),  # null: the events carried none, due on `day`
    Column("currency", String(3), nullable=False),
    Column("rate", RATE, nullable=False),
    money_column("total"),
    Column("issue_no", Integer, nullable=False),  # 0 until the issue event arrives
    Column("status", String(16), nullable=False),
    timestamp_column("status_time", nullable=True),
    # The invoice's event sequence (per `invoice/<id>` subject, in finance's commit order) of
    # the event that set `status`: a later one wins, whatever the clocks of finance's replicas
    # say. Null for rows written before it was kept: any event replaces them.
    Column("status_sequence", BigInteger, nullable=True),
    Column("voided_on", Date, nullable=True),
    Index("ix_sales_invoices_day", "day"),
)

sales_lines = Table(
    "sales_lines",
    metadata,
    Column("invoice_id", BigInteger, primary_key=True, autoincrement=False),
    Column("line_no", Integer, primary_key=True, autoincrement=False),
    Column("sku", String(64), nullable=False),
    Column("warehouse", String(32), nullable=False),
    quantity_column("quantity"),
    money_column("net"),  # invoice currency
    money_column("revenue"),  # base currency
)

# Cost of the goods that left for an invoice (stock lines referencing `invoice:<id>`).
sales_cogs = Table(
    "sales_cogs",
    metadata,
    Column("invoice_id", BigInteger, primary_key=True, autoincrement=False),
    Column("sku", String(64), primary_key=True),
    money_column("cogs"),
)

# Credited invoice lines (finance.credit-note-issued), counted against sales on the credit
# note's `day`: `quantity` only when the goods came back (a price-only credit keeps it zero).
sales_credit_lines = Table(
    "sales_credit_lines",
    metadata,
    Column("credit_note_id", BigInteger, primary_key=True, autoincrement=False),
    Column("line_no", Integer, primary_key=True, autoincrement=False),
    Column("invoice_id", BigInteger, nullable=False),
    Column("customer", String(200), nullable=False),
    Column("day", Date, nullable=False),
    Column("sku", String(64), nullable=False),
    quantity_column("quantity"),
    money_column("net"),  # invoice currency
    money_column("revenue"),  # base currency
    Index("ix_sales_credit_lines_day", "day"),
)

# Cost of the goods that came back for a credit note (stock lines referencing
# `credit-note:<id>`): it comes off the cost of goods sold on the credit note's day.
sales_credit_cogs = Table(
    "sales_credit_cogs",
    metadata,
    Column("credit_note_id", BigInteger, primary_key=True, autoincrement=False),
    Column("sku", String(64), primary_key=True),
    money_column("cogs"),
)


def _payment_flows(name: str) -> Table:
    """One row per payment (or per reversal of one) against an invoice, on its date."""
    return Table(
        name,
        metadata,
        Column("payment_id", BigInteger, primary_key=True, autoincrement=False),
        Column("invoice_id", BigInteger, nullable=False),
        Column("day", Date, nullable=False),
        money_column("amount"),  # invoice currency
        Index(f"ix_{name}_invoice", "invoice_id", "day"),
    )


ar_payments = _payment_flows("ar_payments")
# A reversed payment counts again from the reversal's date: paid as of D is the payments
# dated up to D less the reversals dated up to D (either may arrive first).
ar_reversals = _payment_flows("ar_reversals")
# A customer credit note takes its total off its invoice from its date, like a payment
# (`payment_id` holds the credit note's id).
ar_credits = _payment_flows("ar_credits")

# A customer credit settled (finance.credit-note-settled), on its date: the credit note's
# invoice holds `amount` less credit (open again by it); an allocation's target invoice owes
# `amount` less, as after a payment.
ar_settlements = Table(
    "ar_settlements",
    metadata,
    Column("settlement_id", BigInteger, primary_key=True, autoincrement=False),
    Column("invoice_id", BigInteger, nullable=False),
    Column("target_invoice_id", BigInteger, nullable=True),  # allocations only
    Column("day", Date, nullable=False),
    money_column("amount"),  # invoice currency
    Index("ix_ar_settlements_invoice", "invoice_id", "day"),
    Index("ix_ar_settlements_target", "target_invoice_id", "day"),
)

# Suppliers' bills as finance posted them (finance.bill-posted): owed from `day`, due on
# `due_day`, `total` in the bill's currency. A bill is posted once and never changes.
purchase_bills = Table(
    "purchase_bills",
    metadata,
    Column("bill_id", BigInteger, primary_key=True, autoincrement=False),
    Column("supplier", String(200), nullable=False),
    Column("number", String(64), nullable=False),  # the supplier's own
    Column("day", Date, nullable=False),
    Column("due_day", Date, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("rate", RATE, nullable=False),
    money_column("total"),
    Index("ix_purchase_bills_day", "day"),
)

# One row per payment to a supplier against a bill (finance.supplier-paid), on its date;
# either may arrive first. A debit note (finance.debit-note-posted) takes its total off the
# bill the same way, under its id negated.
bill_payments = Table(
    "bill_payments",
    metadata,
    Column("payment_id", BigInteger, primary_key=True, autoincrement=False),
    Column("bill_id", BigInteger, nullable=False),
    Column("day", Date, nullable=False),
    money_column("amount"),  # bill currency
    Index("ix_bill_payments_bill", "bill_id", "day"),
)

# Purchases per bill line (finance.bill-posted; one line 0 with the subtotal for bills whose
# event carries no lines) and per debit note (finance.debit-note-posted, negative, line 0: its
# event carries no lines): `amount` is the net in the base currency, `quantity` set for lines
# of an item.
purchase_lines = Table(
    "purchase_lines",
    metadata,
    Column("document", String(16), primary_key=True),  # bill | debit-note
    Column("document_id", BigInteger, primary_key=True, autoincrement=False),
    Column("line_no", Integer, primary_key=True, autoincrement=False),
    Column("supplier", String(200), nullable=False),
    Column("day", Date, nullable=False),
    Column("sku", String(64), nullable=True),
    Column("quantity", QUANTITY, nullable=True),
    money_column("amount"),
    Index("ix_purchase_lines_day", "day"),
)

# Stock lines received against a purchase order (inventory.stock-moved lines naming their
# supplier), and their reversals and supplier returns as negative rows naming the receipt
# (`reverses`, same line number): goods received, by receipt line.
receipt_lines = Table(
    "receipt_lines",
    metadata,
    Column("movement_id", BigInteger, primary_key=True, autoincrement=False),
    Column("line_no", Integer, primary_key=True, autoincrement=False),
    Column("reverses", BigInteger, nullable=True),
    Column("day", Date, nullable=False),
    Column("supplier", String(200), nullable=True),  # null: received without an order
    Column("purchase_order_id", BigInteger, nullable=True),
    Column("purchase_order_line", Integer, nullable=True),
    Column("sku", String(64), nullable=False),
    Column("warehouse", String(32), nullable=False),
    quantity_column("quantity"),
    money_column("value"),  # base currency
    Index("ix_receipt_lines_reverses", "reverses", "line_no"),
)

# Bill lines matched to a receipt line (finance.bill-posted): from the bill's day the receipt
# line is billed by `quantity`, and `value` (base currency) leaves goods received not invoiced.
receipt_billings = Table(
    "receipt_billings",
    metadata,
    Column("bill_id", BigInteger, primary_key=True, autoincrement=False),
    # 0 for the bill's own lines; a debit note's lines give back what they credit (negative).
    Column("debit_note_id", BigInteger, primary_key=True, autoincrement=False),
    Column("line_no", Integer, primary_key=True, autoincrement=False),
    Column("movement_id", BigInteger, nullable=False),
    Column("receipt_line_no", Integer, nullable=False),
    Column("day", Date, nullable=False),
    quantity_column("quantity"),
    money_column("value"),
    Index("ix_receipt_billings_receipt", "movement_id", "receipt_line_no"),
)

# Journal lines that count in the tax report (finance.journal-posted): those with a tax code
# and those on the tax accounts, with the kind (output | input) their entry shows.
tax_lines = Table(
    "tax_lines",
    metadata,
    Column("entry_id", BigInteger, primary_key=True, autoincrement=False),
    Column("line_no", Integer, primary_key=True, autoincrement=False),
    Column("day", Date, nullable=False),
    Column("tax_code", String(16), nullable=True),
    Column("kind", String(8), nullable=False),
    Column("account", String(16), nullable=False),
    money_column("debit"),
    money_column("credit"),
    Index("ix_tax_lines_day", "day"),
)

# Items as inventory last described them. A row with `changed_at` null is known only from a
# stock line's unit (an item created before its changes travelled): no name, no reorder point.
items = Table(
    "items",
    metadata,
    Column("sku", String(64), primary_key=True),
    Column("name", String(200), nullable=True),
    Column("uom", String(16), nullable=True),
    quantity_column("reorder_point"),
    Column("active", Boolean, nullable=False),
    timestamp_column("changed_at", nullable=True),
)

low_stock = Table(
    "low_stock",
    metadata,
    Column("sku", String(64), primary_key=True),
    Column("warehouse", String(32), primary_key=True),
    quantity_column("reorder_point"),
    timestamp_column("flagged_at"),
)

reservations = Table(
    "reservations",
    metadata,
    Column("reservation_id", BigInteger, primary_key=True, autoincrement=False),
    Column("sku", String(64), nullable=False),
    Column("warehouse", String(32), nullable=False),
    quantity_column("quantity"),
    Column("status", String(16), nullable=False),
    Column("sequence", BigInteger, nullable=False),
)

closed_periods = Table(
    "closed_periods",
    metadata,
    Column("closed_through", Date, primary_key=True),
)

# Cache validity (not rebuilt): a counter per report family, and per month the newest
# generation that changed a figure dated in that month. A cached answer about dates up to D
# stays valid while no mark at or before D's month moves.
report_generations = Table(
    "report_generations",
    metadata,
    Column("family", String(16), primary_key=True),
    Column("generation", BigInteger, nullable=False),
)

report_marks = Table(
    "report_marks",
    metadata,
    Column("family", String(16), primary_key=True),
    Column("month", Date, primary_key=True),
    Column("generation", BigInteger, nullable=False),
)

READ_MODELS = (
    positions,
    ledger_accounts,
    ledger_balances,
    closing_lines,
    stock_balances,
    stock_flows,
    stock_links,
    sales_invoices,
    sales_lines,
    sales_cogs,
    sales_credit_lines,
    sales_credit_cogs,
    ar_payments,
    ar_reversals,
    ar_credits,
    ar_settlements,
    purchase_bills,
    bill_payments,
    purchase_lines,
    receipt_lines,
    receipt_billings,
    tax_lines,
    items,
    low_stock,
    reservations,
    closed_periods,
)
