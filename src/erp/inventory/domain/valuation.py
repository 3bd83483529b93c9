"""Moving-average valuation, as pure functions over a bin's position.

Values are kept to the base currency's minor unit per ledger line, so the stock value is
exactly the sum of line values and the finance ledger can post the very same amounts.
Issuing everything that is on hand takes all the remaining value (no rounding residue).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

CENT = Decimal("0.01")
COST_QUANTUM = Decimal("0.0001")
ZERO = Decimal(0)

# The largest magnitudes the columns hold on both databases: quantities and unit costs are
# NUMERIC(18,4); a stock value is NUMERIC(20,2) on PostgreSQL but a 64-bit integer of cents on
# SQLite (about 9.2e16), so values stop at sixteen whole digits.
MAX_QUANTITY = Decimal("99999999999999.9999")
MAX_UNIT_COST = Decimal("99999999999999.9999")
MAX_VALUE = Decimal("9999999999999999.99")


@dataclass
class Position:
    on_hand: Decimal
    value: Decimal
    last_cost: Decimal = ZERO  # the cost to use while nothing (or less than nothing) is on hand

    @property
    def average_cost(self) -> Decimal:
        if self.on_hand > 0:
            return (self.value / self.on_hand).quantize(COST_QUANTUM, ROUND_HALF_EVEN)
        return self.last_cost


def average_cost_after(on_hand: Decimal, value: Decimal, unit_cost: Decimal) -> Decimal:
    """The moving average a ledger line leaves its bin at: the line's own unit cost while
    nothing (or less than nothing) is on hand."""
    return Position(on_hand, value, unit_cost).average_cost


def money(amount: Decimal) -> Decimal:
    return plain(amount.quantize(CENT, ROUND_HALF_EVEN))


def plain(amount: Decimal) -> Decimal:
    """`amount` without a negative zero (-0.00 reads as a debit in JSON and events)."""
    return amount + ZERO if amount.is_zero() else amount


def inbound_value(quantity: Decimal, unit_cost: Decimal) -> Decimal:
    return money(quantity * unit_cost)


def outbound_value(position: Position, quantity: Decimal) -> Decimal:
    """Value leaving with `quantity` (> 0) at the moving average; negative result."""
    if position.on_hand > 0 and quantity == position.on_hand:
        return -position.value
    return -money(quantity * position.average_cost)


def apply(position: Position, quantity: Decimal, value: Decimal) -> Position:
    """The position after a ledger line of signed `quantity` and signed `value`."""
    after = Position(position.on_hand + quantity, position.value + value, position.last_cost)
    if quantity != 0 and value != 0:
        after.last_cost = (abs(value) / abs(quantity)).quantize(COST_QUANTUM, ROUND_HALF_EVEN)
    if after.on_hand > 0:
        after.last_cost = after.average_cost
    return after
