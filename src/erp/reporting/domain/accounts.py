"""Account names for the reports.

No event carries an account's name yet (journal lines carry the code and the type), so the
reports name the accounts of finance's standard chart, as it is created on install, and leave
`name` empty for accounts added later.
"""

from __future__ import annotations

STANDARD_CHART = {
    "1000": "Assets",
    "1100": "Cash and bank",
    "1200": "Accounts receivable",
    "1300": "Inventory",
    "1400": "Input tax recoverable",
    "1500": "Fixed assets",
    "2000": "Liabilities",
    "2100": "Accounts payable",
    "2150": "Goods received not invoiced",
    "2200": "Sales tax payable",
    "3000": "Equity",
    "3100": "Owner's capital",
    "3200": "Retained earnings",
    "4000": "Sales",
    "4100": "Other income",
    "5000": "Cost of goods sold",
    "5100": "Stock adjustments",
    "5200": "Purchase price variance",
    "6000": "Operating expenses",
    "6100": "Rent",
    "6200": "Salaries",
    "7000": "Financial items",
    "7100": "Exchange gains and losses",
    "7200": "Currency rounding differences",
}


def account_name(code: str) -> str | None:
    return STANDARD_CHART.get(code)
