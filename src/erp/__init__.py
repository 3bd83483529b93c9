"""erp-system: an ERP backend of four services (gateway, inventory, finance, reporting)."""

__version__ = "0.1.0"
