"""A movement request as the ledger lines it will write: the cross-field rules first, then one
step per line (two for a transfer)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from erp.inventory.schemas.movements import MovementCreate
from erp.platform.errors import InvalidInput

# References in this form tie a movement to finance's invoice (finance and reports read them
# so, see erp.contracts.references); only the document's own event handler may write one.
DOCUMENT_PREFIX = "invoice:"
# Goods returned on a credit note: finance posts such a receipt against cost of goods sold.
RETURN_PREFIX = "credit-note:"


@dataclass
class Step:
    """One ledger line to write: signed quantity; cost known up front for inbound lines."""

    line_no: int
    sku: str
    warehouse: str
    quantity: Decimal
    unit_cost: Decimal | None = None
    value: Decimal | None = None  # fixed value (reversals, the inbound side of a transfer)
    counts_holds: bool = True  # issues and transfers respect other reservations
    field: str | None = None  # the request line it comes from (`lines.<i>`); None in reversals


def validate(body: MovementCreate, *, document: str | None) -> None:
    """Rules that span fields; each failure names the offending field."""
    if body.type == "transfer":
        if not body.to_warehouse:
            raise InvalidInput("to_warehouse", "required for transfers")
        if body.to_warehouse == body.warehouse:
            raise InvalidInput("to_warehouse", "must differ from warehouse")
    elif body.to_warehouse is not None:
        raise InvalidInput("to_warehouse", "only transfers have a destination")
    if body.type == "adjustment" and not body.reason:
        raise InvalidInput("reason", "required for adjustments")
    _refuse_document_reference(body.reference, document)
    for i, line in enumerate(body.lines):
        if body.type == "adjustment":
            if line.quantity == 0:
                raise InvalidInput(f"lines.{i}.quantity", "must not be zero")
        elif line.quantity <= 0:
            raise InvalidInput(f"lines.{i}.quantity", "must be greater than zero")
        if body.type in ("issue", "transfer") and line.unit_cost is not None:
            raise InvalidInput(f"lines.{i}.unit_cost", "outflows are valued at moving average")
        if line.reservation_id is not None and body.type != "issue":
            raise InvalidInput(f"lines.{i}.reservation_id", "only issues consume reservations")
        if line.purchase_order_line is not None and body.type != "receipt":
            raise InvalidInput(
                f"lines.{i}.purchase_order_line", "only receipts come in against a purchase order"
            )
        if body.type == "adjustment" and line.quantity < 0 and line.unit_cost is not None:
            raise InvalidInput(f"lines.{i}.unit_cost", "losses are valued at moving average")


def _refuse_document_reference(reference: str | None, document: str | None) -> None:
    # A reference check rather than an ownership column: the reference is what finance reads
    # to post an issue as the invoice's cost of goods, so a client writing `invoice:12` would
    # mislead it even if a column said who owns the movement.
    if document is not None:
        if reference != document:
            raise InvalidInput("reference", f"must be {document!r}")
    elif reference is not None and reference.lower().startswith(DOCUMENT_PREFIX):
        raise InvalidInput(
            "reference",
            f"'{DOCUMENT_PREFIX}...' references are kept for the goods issued for invoices;"
            " issue an invoice in finance instead",
        )
    elif reference is not None and reference.lower().startswith(RETURN_PREFIX):
        raise InvalidInput(
            "reference",
            f"'{RETURN_PREFIX}...' references are kept for the goods returned on credit notes;"
            " post a credit note in finance instead",
        )


def plan(body: MovementCreate) -> list[Step]:
    steps: list[Step] = []
    for i, line in enumerate(body.lines):
        field = f"lines.{i}"
        if body.type == "receipt":
            steps.append(
                Step(i, line.sku, body.warehouse, line.quantity, line.unit_cost, field=field)
            )
        elif body.type == "issue":
            steps.append(Step(i, line.sku, body.warehouse, -line.quantity, field=field))
        elif body.type == "transfer":
            assert body.to_warehouse
            steps.append(Step(i, line.sku, body.warehouse, -line.quantity, field=field))
            steps.append(Step(i, line.sku, body.to_warehouse, line.quantity, field=field))
        else:
            steps.append(
                Step(
                    i,
                    line.sku,
                    body.warehouse,
                    line.quantity,
                    line.unit_cost,
                    counts_holds=False,
                    field=field,
                )
            )
    return steps
