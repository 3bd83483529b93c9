"""Reporting benchmark: 1M journal lines and 1M stock movements, then reports as of random
dates, with and without the cache (`python -m bench.reporting`)."""
