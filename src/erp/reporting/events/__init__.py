"""Reporting consumes every inventory and finance event; see `handlers` and `payloads`."""
