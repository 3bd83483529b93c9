"""Cursors come back from clients: only what `encode_cursor` made, with its field types, is
accepted; anything else is a 422 naming `cursor`, never a database error."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from erp.platform.errors import InvalidInput
from erp.platform.pagination import decode_cursor, encode_cursor

LEDGER = {"date": dt.date, "id": int, "balance": Decimal}


def test_a_cursor_round_trips() -> None:
    position = {"date": dt.date(2026, 11, 25), "id": 42, "balance": Decimal("-10.50")}
    assert decode_cursor(encode_cursor(position), fields=LEDGER) == {
        "date": "2026-11-25", "id": 42, "balance": "-10.50",
    }  # fmt: skip
    assert decode_cursor(None, fields=LEDGER) is None


@pytest.mark.parametrize(
    "position",
    [
        {"date": "2026-11-25", "id": 2**63, "balance": "1"},  # past BIGINT
        {"date": "2026-11-25", "id": -1, "balance": "1"},
        {"date": "2026-11-25", "id": "42", "balance": "1"},
        {"date": "2026-11-25", "id": True, "balance": "1"},
        {"date": "2026-11-25", "id": None, "balance": "1"},
        {"date": "2026-13-45", "id": 1, "balance": "1"},
        {"date": 20261125, "id": 1, "balance": "1"},
        {"date": "2026-11-25", "id": 1, "balance": "NaN"},
        {"date": "2026-11-25", "id": 1, "balance": "ten"},
        {"date": "2026-11-25", "id": 1, "balance": ["1"]},
        {"date": "2026-11-25", "id": 1},
        {"date": "2026-11-25", "id": 1, "balance": "1", "extra": 1},
    ],
)
def test_a_forged_cursor_is_a_422_naming_cursor(position: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as caught:
        decode_cursor(encode_cursor(position), fields=LEDGER)
    assert caught.value.errors == [
        {"field": "cursor", "message": "not a cursor returned by this endpoint"}
    ]


@pytest.mark.parametrize("cursor", ["%%%", "bm90IGpzb24", "WzFd", "x" * 5000])
def test_a_cursor_that_is_not_one_is_a_422(cursor: str) -> None:
    with pytest.raises(InvalidInput):
        decode_cursor(cursor, fields={"code": str})
