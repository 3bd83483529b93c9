"""Inventory: items, warehouses, the stock ledger, stock positions and reservations."""
