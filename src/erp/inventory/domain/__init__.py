"""Inventory rules. No FastAPI here: functions take a connection and keyword arguments."""
