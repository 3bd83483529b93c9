"""The chart of accounts: types, normal balance sides, and the standard chart.

The standard chart below is what the first migration creates (the migration keeps its own
frozen copy; a test keeps the two equal). Automatic postings use the system accounts named in
`SYSTEM`; those cannot be deactivated.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

AccountType = Literal["asset", "liability", "equity", "income", "expense"]
ACCOUNT_TYPES: tuple[AccountType, ...] = ("asset", "liability", "equity", "income", "expense")

# Assets and expenses grow on the debit side; liabilities, equity and income on the credit side.
DEBIT_NORMAL = frozenset({"asset", "expense"})


def normal_side(account_type: str) -> Literal["debit", "credit"]:
    return "debit" if account_type in DEBIT_NORMAL else "credit"


def balance(account_type: str, debit: Decimal, credit: Decimal) -> Decimal:
    """The balance on the account's normal side (negative when it is on the other side)."""
    return debit - credit if account_type in DEBIT_NORMAL else credit - debit


CASH = "1100"
RECEIVABLE = "1200"
INVENTORY = "1300"
INPUT_TAX = "1400"
PAYABLE = "2100"
GOODS_RECEIVED_NOT_INVOICED = "2150"
TAX_PAYABLE = "2200"
RETAINED_EARNINGS = "3200"  # year-end closes move the year's result here
SALES = "4000"
COST_OF_GOODS_SOLD = "5000"
STOCK_ADJUSTMENT = "5100"
PRICE_VARIANCE = "5200"
EXCHANGE_DIFFERENCE = "7100"
ROUNDING = "7200"

# Accounts whose balance must equal a subledger, with the documents that post to them;
# a manual entry there would break the reconciliation that `erp finance verify` checks.
CONTROL_ACCOUNTS = {
    RECEIVABLE: "invoices and payments",
    INVENTORY: "stock movements",
    PAYABLE: "supplier bills and payments",
    GOODS_RECEIVED_NOT_INVOICED: "stock receipts and the bills that match them",
}

SYSTEM = frozenset(
    {
        CASH,
        RECEIVABLE,
        INVENTORY,
        INPUT_TAX,
        PAYABLE,
        GOODS_RECEIVED_NOT_INVOICED,
        TAX_PAYABLE,
        RETAINED_EARNINGS,
        SALES,
        COST_OF_GOODS_SOLD,
        STOCK_ADJUSTMENT,
        PRICE_VARIANCE,
        EXCHANGE_DIFFERENCE,
        ROUNDING,
    }
)

# (code, name, type, parent)
STANDARD_CHART: tuple[tuple[str, str, AccountType, str | None], ...] = (
    ("1000", "Assets", "asset", None),
    ("1100", "Cash and bank", "asset", "1000"),
    ("1200", "Accounts receivable", "asset", "1000"),
    ("1300", "Inventory", "asset", "1000"),
    ("1400", "Input tax recoverable", "asset", "1000"),
    ("1500", "Fixed assets", "asset", "1000"),
    ("2000", "Liabilities", "liability", None),
    ("2100", "Accounts payable", "liability", "2000"),
    ("2150", "Goods received not invoiced", "liability", "2000"),
    ("2200", "Sales tax payable", "liability", "2000"),
    ("3000", "Equity", "equity", None),
    ("3100", "Owner's capital", "equity", "3000"),
    ("3200", "Retained earnings", "equity", "3000"),
    ("4000", "Sales", "income", None),
    ("4100", "Other income", "income", None),
    ("5000", "Cost of goods sold", "expense", None),
    ("5100", "Stock adjustments", "expense", "5000"),
    ("5200", "Purchase price variance", "expense", "5000"),
    ("6000", "Operating expenses", "expense", None),
    ("6100", "Rent", "expense", "6000"),
    ("6200", "Salaries", "expense", "6000"),
    ("7000", "Financial items", "expense", None),
    ("7100", "Exchange gains and losses", "expense", "7000"),
    ("7200", "Currency rounding differences", "expense", "7000"),
)
