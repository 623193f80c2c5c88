"""Money helpers (domain/money.py) and the domain's purity: no I/O imports, no wall clock."""

from __future__ import annotations

import ast
from decimal import Decimal as D
from pathlib import Path

import pytest

import domain
from domain.errors import DomainError
from domain.money import ZERO, amount_text, finer_than_paid, minor_units, money_str, payable, to_money, total


def test_money_is_exact():
    assert (
        to_money("1250000.50") == D("1250000.50") and to_money(7) == D(7) and to_money(D("0.1")) == D("0.1")
    )
    for bad in (0.1, True, None, "abc", "NaN", "Infinity"):
        with pytest.raises(DomainError):
            to_money(bad)


def test_money_is_written_without_exponents_and_summed_from_decimal_zero():
    assert money_str(D("1E+6")) == "1000000" and money_str(D("1250000.50")) == "1250000.50"
    assert total([]) == ZERO and isinstance(total([]), D)
    assert total([D("0.10"), D("0.20")]) == D("0.30")


MODULES = sorted(Path(domain.__file__).parent.glob("*.py"))
ALLOWED = {
    "__future__",
    "bisect",
    "collections",
    "dataclasses",
    "datetime",
    "decimal",
    "enum",
    "heapq",
    "math",
    "operator",
    "re",
    "domain",
}


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.name)
def test_the_domain_imports_no_io_and_never_reads_the_wall_clock(module):
    """Plain Python only; the business date is the only clock, so every date comes in as an argument."""
    source = module.read_text()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        for name in names:
            assert name.split(".")[0] in ALLOWED, f"{module.name} imports {name}"
    for call in ("now(", "today(", "time.time(", "utcnow("):
        assert call not in source, f"{module.name} calls {call}"


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        ("2774590.00", "VND", "2,774,590"),  # banks write whole dong with cents
        ("2774590", "VND", "2,774,590"),
        ("2774589.80", "VND", "2,774,589.80"),  # an odd fraction of a dong is shown, not rounded away
        ("1250", "USD", "1,250.00"),
        ("1250.5", "USD", "1,250.50"),
        ("0", "JPY", "0"),
    ],
)
def test_an_amount_reads_in_its_currency_s_units(amount, currency, text):
    assert amount_text(D(amount), currency) == text


@pytest.mark.parametrize(
    ("amount", "currency", "fits"),
    [
        ("538263.00", "VND", True),  # trailing zeros are the writer's style
        ("538263.5", "VND", False),
        ("1250.50", "USD", True),
        ("1250.505", "USD", False),
        ("1.125", "KWD", True),
        ("1.1255", "KWD", False),
        ("0.0001", "CLF", True),
        ("12.30", "XYZ", True),  # a code not listed: two decimals
        ("12.305", "XYZ", False),
        ("99999999999999999999.0000", "JPY", True),  # the contract's largest amount
    ],
)
def test_an_amount_is_payable_in_whole_minor_units_of_its_currency(amount, currency, fits):
    assert payable(D(amount), currency) is fits


def test_minor_units_follow_iso_4217():
    assert [minor_units(code) for code in ("VND", "JPY", "USD", "EUR", "BHD", "CLF")] == [0, 0, 2, 2, 3, 4]


def test_an_amount_finer_than_its_currency_is_paid_in_says_why():
    assert finer_than_paid(D("1250000.50"), "VND") == "VND is paid in whole units, not 1250000.50"
    assert finer_than_paid(D("10.255"), "USD") == "USD is paid in at most 2 decimals, not 10.255"
    assert finer_than_paid(D("538263.00"), "VND") is None and finer_than_paid(D("1.125"), "BHD") is None
