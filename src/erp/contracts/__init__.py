"""What services say to each other in events: one typed payload per topic, and the document
references they share.

Beside `erp.platform` at the bottom of the package: every service may import it, it imports
no service. A publisher builds a payload and writes `payload.to_data()` to its outbox under
`payload.TOPIC`; a consumer reads `Payload.from_data(event.data)`. `tests/contracts` pins the
JSON of each, so a change to what travels fails a test before it reaches a consumer.

    references  `invoice:<id>`, `movement:<id>` and `credit-note:<id>`, built and parsed
    wire        how values travel (decimal strings, ISO dates); the `Record` and `Payload`
                bases that send, parse and build payloads from their type hints
    inventory   `inventory.*` payloads
    finance     `finance.*` payloads
"""

from __future__ import annotations

from erp.contracts.finance import (
    BillPosted,
    CreditNoteIssued,
    CreditNoteSettled,
    DebitNotePosted,
    InvoiceIssued,
    InvoiceIssueRequested,
    InvoiceStatusChanged,
    InvoiceVoided,
    JournalPosted,
    PartyChanged,
    PaymentReceived,
    PaymentReversed,
    PeriodClosed,
    PeriodReopened,
    SupplierPaid,
)
from erp.contracts.inventory import (
    InvoiceGoodsIssued,
    IssueRejected,
    ItemChanged,
    LowStock,
    MovementReversed,
    PurchaseOrderApproved,
    PurchaseOrderClosed,
    ReservationChanged,
    StockMoved,
)
from erp.contracts.wire import Payload

EVENTS: tuple[type[Payload], ...] = (
    ItemChanged,
    StockMoved,
    MovementReversed,
    ReservationChanged,
    LowStock,
    IssueRejected,
    InvoiceGoodsIssued,
    JournalPosted,
    InvoiceIssueRequested,
    InvoiceIssued,
    InvoiceStatusChanged,
    InvoiceVoided,
    PaymentReceived,
    PaymentReversed,
    PeriodClosed,
    PeriodReopened,
    PartyChanged,
    BillPosted,
    SupplierPaid,
    PurchaseOrderApproved,
    PurchaseOrderClosed,
    CreditNoteIssued,
    DebitNotePosted,
    CreditNoteSettled,
)
