"""Money is an exact Decimal: never a float, never a number with an exponent on the wire."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from domain.errors import DomainError

ZERO = Decimal(0)


def to_money(value: Decimal | int | str) -> Decimal:
    """An exact Decimal from a Decimal, an int or a decimal string; floats are refused (0.1 is not exact)."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise DomainError(f"money must be a Decimal, an int or a decimal string, not {type(value).__name__}")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise DomainError(f"not an amount of money: {value!r}") from None
    if not amount.is_finite():
        raise DomainError(f"not an amount of money: {value!r}")
    return amount


def money_str(amount: Decimal) -> str:
    """Plain notation for storage and JSON ("1250000.50", never "1.2500005E+6"); the scale is kept."""
    text = str(amount)  # plain already for almost every amount, and three times faster than format()
    return format(amount, "f") if "E" in text else text


# ISO 4217 currencies without minor units (the dong, the yen...): their amounts are whole units
_WHOLE_UNITS = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
WHOLE_UNIT_CURRENCIES = frozenset(_WHOLE_UNITS.split())
# ... and those with three decimals (the dinars, the rial) or four (Chile's unidad de fomento); others: two
_MINOR_UNITS = {**dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3), "CLF": 4, "UYW": 4}


def minor_units(currency: str) -> int:
    """How many decimals an amount in ``currency`` can be paid in (ISO 4217; 2 for a code not listed)."""
    return 0 if currency in WHOLE_UNIT_CURRENCIES else _MINOR_UNITS.get(currency, 2)


def payable(amount: Decimal, currency: str) -> bool:
    """Whether ``amount`` is a whole number of the currency's minor units: 538263.00 dong is, 1000.50 is not
    (trailing zeros are only the writer's style)."""
    return (amount * 10 ** minor_units(currency)) % 1 == 0


def finer_than_paid(amount: Decimal, currency: str) -> str | None:
    """Why ``amount`` cannot be paid in ``currency`` ("VND is paid in whole units, not 1000.50"), or None."""
    if payable(amount, currency):
        return None
    units = minor_units(currency)
    kind = "whole units" if units == 0 else f"at most {units} decimals"
    return f"{currency} is paid in {kind}, not {money_str(amount)}"


def amount_text(amount: Decimal, currency: str) -> str:
    """An amount as people read it, with thousands separators: "2,774,590" dong (banks' feeds write
    "2774590.00"), "1,250.50" dollars. A fraction of a whole-unit currency is shown, not rounded away."""
    if currency in WHOLE_UNIT_CURRENCIES and amount == amount.to_integral_value():
        return f"{amount:,.0f}"
    return f"{amount:,.2f}"


def total(amounts) -> Decimal:
    """The sum of some amounts; ZERO for none (the built-in sum would start from the int 0)."""
    return sum(amounts, ZERO)
