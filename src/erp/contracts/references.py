"""References one service writes on its documents to point at another's.

`invoice:<id>`: the goods inventory issues for an invoice and finance's entries for it.
`movement:<id>`: finance's posting of an inventory movement.
`credit-note:<id>`: the goods inventory takes back for a customer credit note and finance's
entries for it.
"""

from __future__ import annotations

_INVOICE = "invoice:"
_MOVEMENT = "movement:"
_CREDIT_NOTE = "credit-note:"


def invoice_ref(invoice_id: int) -> str:
    return f"{_INVOICE}{invoice_id}"


def invoice_of(reference: str | None) -> int | None:
    """The invoice id in `invoice:<id>`; None for any other reference."""
    return _id_after(_INVOICE, reference)


def movement_ref(movement_id: int) -> str:
    return f"{_MOVEMENT}{movement_id}"


def movement_of(reference: str | None) -> int | None:
    """The movement id in `movement:<id>`; None for any other reference."""
    return _id_after(_MOVEMENT, reference)


def credit_note_ref(credit_note_id: int) -> str:
    return f"{_CREDIT_NOTE}{credit_note_id}"


def credit_note_of(reference: str | None) -> int | None:
    """The credit note id in `credit-note:<id>`; None for any other reference."""
    return _id_after(_CREDIT_NOTE, reference)


def _id_after(prefix: str, reference: str | None) -> int | None:
    if reference and reference.startswith(prefix):
        rest = reference[len(prefix) :]
        if rest.isdigit():
            return int(rest)
    return None
