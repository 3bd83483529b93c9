"""Who may do what in finance, as dependency aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from erp.platform.api import Command, command_for
from erp.platform.auth import Principal, require_roles

READERS = ("admin", "accountant", "viewer")
# Warehouse staff may see invoices (what to ship), not the books.
INVOICE_READERS = ("admin", "accountant", "viewer", "warehouse")
WRITERS = ("admin", "accountant")

Reader = Annotated[Principal, Depends(require_roles(*READERS))]
InvoiceReader = Annotated[Principal, Depends(require_roles(*INVOICE_READERS))]
WriteCommand = Annotated[Command, Depends(command_for(*WRITERS))]
