"""Reporting: read models built from inventory and finance events, reports and a dashboard."""
