"""Money as exact decimals quantised to the currency's minor unit (ISO 4217), within what the
columns hold on both databases."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from erp.platform.db.types import MONEY, ScaledDecimal
from erp.platform.errors import InvalidInput

ZERO = Decimal(0)


def capacity(kind: ScaledDecimal) -> Decimal:
    """The largest value a column of `kind` holds on both databases: NUMERIC(precision, scale)
    on PostgreSQL, a BIGINT counting units of the last place on SQLite."""
    numeric = Decimal(10) ** (kind.precision - kind.scale) - Decimal(1).scaleb(-kind.scale)
    return min(numeric, Decimal(2**63 - 1).scaleb(-kind.scale))


# Any amount, and any sum that is stored (line, invoice and account totals).
MAX_MONEY = capacity(MONEY)

# Minor units (decimal places) of the currencies the ledger accepts.
MINOR_UNITS: dict[str, int] = {
    "AED": 2, "AUD": 2, "BHD": 3, "BRL": 2, "CAD": 2, "CHF": 2, "CLP": 0, "CNY": 2,
    "CZK": 2, "DKK": 2, "EUR": 2, "GBP": 2, "HKD": 2, "HUF": 2, "IDR": 2, "ILS": 2,
    "INR": 2, "ISK": 0, "JOD": 3, "JPY": 0, "KRW": 0, "KWD": 3, "MXN": 2, "MYR": 2,
    "NOK": 2, "NZD": 2, "OMR": 3, "PHP": 2, "PLN": 2, "RON": 2, "SAR": 2, "SEK": 2,
    "SGD": 2, "THB": 2, "TND": 3, "TRY": 2, "TWD": 2, "UGX": 0, "USD": 2, "VND": 0,
    "ZAR": 2,
}  # fmt: skip


def minor_unit(currency: str, *, field: str = "currency") -> int:
    try:
        return MINOR_UNITS[currency]
    except KeyError:
        raise InvalidInput(field, f"unknown currency {currency!r}") from None


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_unit(currency))


def money(amount: Decimal, currency: str) -> Decimal:
    """Round to the currency's minor unit (half-even), for computed amounts only."""
    return amount.quantize(quantum(currency), ROUND_HALF_EVEN)


def within(amount: Decimal, *, field: str, what: str = "the amount") -> Decimal:
    """`amount` when a money column holds it; a 422 naming `field` otherwise."""
    if abs(amount) > MAX_MONEY:
        raise InvalidInput(
            field, f"{what} ({amount:.4E}) exceeds the largest amount the books hold ({MAX_MONEY})"
        )
    return amount


def stored_money(
    amount: Decimal, currency: str, *, field: str, what: str = "the amount"
) -> Decimal:
    """A computed amount rounded to the currency, refused (422 naming `field`) when too large
    to store. Checked before rounding too: quantising a huge product is itself an error."""
    within(amount, field=field, what=what)
    return within(money(amount, currency), field=field, what=what)


def exact(amount: Decimal, currency: str, *, field: str) -> Decimal:
    """An entered amount must already fit the currency's minor unit: no silent rounding."""
    places = minor_unit(currency)
    if amount != amount.quantize(quantum(currency)):
        raise InvalidInput(field, f"{currency} amounts have at most {places} decimal places")
    return amount.quantize(quantum(currency))


def resolve_rate(currency: str, rate: Decimal | None, *, base: str, field: str = "rate") -> Decimal:
    """The exchange rate to the base currency: 1 for the base currency, required otherwise."""
    minor_unit(currency)
    if currency == base:
        if rate is not None and rate != 1:
            raise InvalidInput(field, f"must be 1 (or omitted) for the base currency {base}")
        return Decimal(1)
    if rate is None:
        raise InvalidInput(field, f"an exchange rate {currency}->{base} is required")
    if rate <= 0:
        raise InvalidInput(field, "must be greater than zero")
    return rate


def to_base(amount: Decimal, rate: Decimal, base: str, *, field: str = "rate") -> Decimal:
    """`amount` in the base currency; a 422 naming `field` when that is too large to store."""
    return stored_money(amount * rate, base, field=field, what=f"{amount} at rate {rate}")


def settled_base(
    amount: Decimal, *, open_amount: Decimal, open_base: Decimal, rate: Decimal, base: str
) -> Decimal:
    """The base amount that `amount` of a document's open amount relieves at the document's
    rate: exactly what is left when it settles all of it, so no rounding remains behind."""
    if amount == open_amount:
        return open_base
    return to_base(amount, rate, base)


def net_and_tax(
    quantity: Decimal, unit_price: Decimal, tax_rate: Decimal, currency: str, *, field: str
) -> tuple[Decimal, Decimal]:
    """A document line's net (refused, 422 naming `field`, when no money column holds it)
    and its tax, each rounded to the currency."""
    net = stored_money(
        quantity * unit_price, currency, field=field, what="quantity times unit price"
    )
    return net, money(net * tax_rate / Decimal(100), currency)
