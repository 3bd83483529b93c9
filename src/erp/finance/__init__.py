"""Finance: chart of accounts, double-entry journal, invoices, payments, stock postings."""
