"""Database access shared by the services: engines, write transactions, migrations."""

from erp.platform.db.engine import Database, normalise_url

__all__ = ["Database", "normalise_url"]
