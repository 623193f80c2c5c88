"""Loans with real schedules whose `paid` figures give the wanted delinquency as of the snapshot."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from crm.generator.schedules import Row, add_months, annuity, money, revolving

# (product, weight, term range in months, annual rate range in basis points, amount range in VND)
PRODUCTS = (
    ("PERSONAL_LOAN", 40, (12, 36), (1400, 2400), (20_000_000, 500_000_000)),
    ("CREDIT_CARD", 28, (12, 12), (2400, 3600), (10_000_000, 200_000_000)),
    ("AUTO_LOAN", 14, (24, 60), (800, 1200), (300_000_000, 1_500_000_000)),
    ("OVERDRAFT", 8, (12, 12), (1500, 2200), (20_000_000, 300_000_000)),
    # Long schedules dominate the feed's size, so mortgages stay a small share as in a consumer book.
    ("MORTGAGE", 3, (120, 240), (700, 1100), (800_000_000, 6_000_000_000)),
)
PRODUCT_WEIGHTS = tuple(p[1] for p in PRODUCTS)
REVOLVING = {"CREDIT_CARD", "OVERDRAFT"}
SECURED = {"AUTO_LOAN", "MORTGAGE"}
# Days-past-due targets: (low, high, weight): most customers current, a long tail to write-off.
DPD_TARGETS = (
    (0, 0, 800),
    (1, 29, 90),
    (30, 59, 40),
    (60, 89, 25),
    (90, 119, 15),
    (120, 179, 15),
    (180, 720, 15),
)


@dataclass(slots=True)
class GeneratedLoan:
    record: dict
    rows: list[Row]
    unit: int
    currency: str
    open: bool


def pick_dpd(rng: random.Random) -> int:
    low, high, _ = rng.choices(DPD_TARGETS, [t[2] for t in DPD_TARGETS])[0]
    return rng.randint(low, high)


def _settle(rows: list[Row], snapshot: date, dpd: int, rng: random.Random, unit: int) -> None:
    """Mark installments paid so the oldest unpaid one falls about ``dpd`` days before the snapshot."""
    past = [row for row in rows if row.due_date <= snapshot]
    first_unpaid = len(past)
    if dpd > 0 and past:
        threshold = snapshot - timedelta(days=dpd)
        first_unpaid = next((i for i, row in enumerate(past) if row.due_date >= threshold), len(past) - 1)
    for i, row in enumerate(past):
        if i < first_unpaid:
            row.paid = row.due
            continue
        if (snapshot - row.due_date).days > 30:
            row.penalty = (row.due * 2 // 100) // unit * unit  # late-payment penalty
            row.fees = 50_000 * 100 if unit == 100 else 500
    if first_unpaid < len(past) and rng.random() < 0.3:
        row = past[first_unpaid]
        row.paid = (row.due * rng.randint(10, 70) // 100) // unit * unit


def _outstanding(rows: list[Row]) -> int:
    owed = 0
    for row in rows:
        covered = max(0, row.paid - row.interest - row.fees - row.penalty)
        owed += row.principal - min(row.principal, covered)
    return owed


def make_loan(rng: random.Random, cif: str, account: str, snapshot: date, dpd: int) -> GeneratedLoan:
    product, _, terms, rates, amounts = rng.choices(PRODUCTS, PRODUCT_WEIGHTS)[0]
    usd = product == "PERSONAL_LOAN" and rng.random() < 0.04
    currency, unit = ("USD", 1) if usd else ("VND", 100)
    scale = 25_000 if usd else 1
    amount = rng.randrange(amounts[0], amounts[1], 1_000_000) // scale * 100
    rate = rng.randrange(rates[0], rates[1] + 1, 25)
    term = rng.randint(*terms)
    day = rng.randint(1, 28)
    if product in REVOLVING:
        disbursed = add_months(snapshot, -rng.randint(12, 60), day)
        first_due = add_months(snapshot, -9 if dpd < 240 else -14, day)
        balance = amount * rng.randint(30, 95) // 100 // unit * unit
        rows = revolving(balance, rate, first_due, 12 if dpd < 240 else 17, unit)
        maturity = add_months(snapshot, 36, day)
        original = amount  # the credit limit
    else:
        elapsed = max(rng.randint(1, term + 6) if term < 100 else rng.randint(1, 120), dpd // 30 + 2)
        disbursed = add_months(snapshot, -elapsed, day)
        rows = annuity(amount, rate, term, add_months(disbursed, 1, day), unit)
        maturity = rows[-1].due_date
        original = amount
    _settle(rows, snapshot, dpd, rng, unit)
    closed = dpd == 0 and product not in REVOLVING and maturity <= snapshot
    if closed:
        for row in rows:
            row.paid = row.due
    record = {
        "account_number": account,
        "cif": cif,
        "product_type": product,
        "currency": currency,
        "original_amount": money(original),
        "outstanding": money(_outstanding(rows)),
        "disbursement_date": disbursed.isoformat(),
        "maturity_date": max(maturity, disbursed).isoformat(),
        "interest_rate": f"{rate // 100}.{rate % 100:02d}",
        "term_months": term,
        "status": "CLOSED" if closed else "OPEN",
        "installments": [
            {
                "due_date": row.due_date.isoformat(),
                "principal": money(row.principal),
                "interest": money(row.interest),
                "fees": money(row.fees),
                "penalty": money(row.penalty),
                "paid": money(row.paid),
            }
            for row in rows
        ],
        "custom_fields": {
            "risk_score": f"0.{min(999, max(1, dpd * 3 + rng.randrange(0, 400))):03d}",
            "propensity_to_pay": f"0.{rng.randrange(50, 990):03d}",
            "segment_score": rng.randint(1, 5),
        },
        "source_system": "CARDS" if product in REVOLVING else "T24",
        "as_of": snapshot.isoformat() + "T20:00:00+07:00",
    }
    return GeneratedLoan(record, rows, unit, currency, not closed)


def make_collateral(rng: random.Random, number: str, loan: GeneratedLoan, snapshot: date) -> dict:
    record = loan.record
    vehicle = record["product_type"] == "AUTO_LOAN"
    value = int(record["original_amount"].split(".")[0]) * rng.randint(110, 160) // 100
    details = (
        {
            "make": rng.choice(("Toyota", "Honda", "Hyundai", "Kia", "VinFast", "Mazda")),
            "model": rng.choice(("Vios", "City", "Accent", "Morning", "VF8", "CX-5")),
            "plate": f"{rng.randint(11, 99)}A-{rng.randrange(100, 999)}.{rng.randrange(10, 99)}",
        }
        if vehicle
        else {"address": f"{rng.randrange(1, 300)} Nguyễn Văn Linh", "area_m2": str(rng.randrange(40, 250))}
    )
    return {
        "collateral_number": number,
        "cif": record["cif"],
        "account_numbers": [record["account_number"]],
        "type": "VEHICLE" if vehicle else "PROPERTY",
        "value": f"{value}.00",
        "currency": record["currency"],
        "valuation_date": (snapshot - timedelta(days=rng.randrange(30, 700))).isoformat(),
        "details": details,
        "source_system": "T24",
        "updated_at": snapshot.isoformat() + "T20:00:00+07:00",
    }
