"""Loans with real schedules whose `paid` figures give the wanted delinquency as of the snapshot."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from crm.generator import names
from crm.generator.customers import AS_OF_TIME
from crm.generator.schedules import Row, add_months, annuity, money, revolving

# (product, weight, term range in months, annual rate range in basis points, amount range in VND)
PRODUCTS = (
    ("PERSONAL_LOAN", 40, (12, 36), (1400, 2400), (20_000_000, 500_000_000)),
    ("CREDIT_CARD", 28, (12, 12), (2400, 3600), (10_000_000, 200_000_000)),
    ("AUTO_LOAN", 14, (24, 60), (800, 1200), (300_000_000, 1_500_000_000)),
    ("OVERDRAFT", 8, (12, 12), (1500, 2200), (20_000_000, 300_000_000)),
    # Long schedules dominate the feed's size, so mortgages stay a small share (~5%) as in a consumer book.
    ("MORTGAGE", 5, (120, 300), (700, 1100), (800_000_000, 6_000_000_000)),
)
PRODUCT_WEIGHTS = tuple(p[1] for p in PRODUCTS)
REVOLVING = {"CREDIT_CARD", "OVERDRAFT"}
ZERO = money(0)
# A few personal loans are secured by a term deposit held at the bank.
DEPOSIT_SECURED_SHARE = 0.04
VEHICLES = (
    ("Toyota", ("Vios", "Corolla Cross", "Innova", "Camry")),
    ("Honda", ("City", "CR-V", "Civic")),
    ("Hyundai", ("Accent", "Tucson", "Creta")),
    ("Kia", ("Morning", "Seltos", "K3")),
    ("VinFast", ("VF 5", "VF 8", "Lux A2.0")),
    ("Mazda", ("Mazda3", "CX-5")),
    ("Ford", ("Ranger", "Everest")),
)
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
    collateral_type: str | None  # VEHICLE / PROPERTY / DEPOSIT when the loan is secured


def pick_dpd(rng: random.Random) -> int:
    low, high, _ = rng.choices(DPD_TARGETS, [t[2] for t in DPD_TARGETS])[0]
    return rng.randint(low, high)


def _bucket_of(dpd: int) -> int:
    return next(
        i for i, (low, high, _) in enumerate(DPD_TARGETS) if low <= dpd <= high or i == len(DPD_TARGETS) - 1
    )


def _first_unpaid(past: list[Row], snapshot: date, dpd: int) -> int:
    """The installment to leave unpaid: the one whose age is nearest ``dpd``, preferring ages in its bucket.

    Due dates are a month apart, so the realised DPD can only approximate the target; keeping it inside
    the target's bucket keeps the bucket mix what DPD_TARGETS says.
    """
    if dpd <= 0 or not past:
        return len(past)
    bucket = _bucket_of(dpd)

    def distance(i: int) -> tuple[bool, int]:
        age = (snapshot - past[i].due_date).days
        return (age < 1 or _bucket_of(age) != bucket, abs(age - dpd))

    return min(range(len(past)), key=distance)


def _settle(rows: list[Row], snapshot: date, dpd: int, rng: random.Random, unit: int) -> None:
    """Mark installments paid so the oldest unpaid one falls about ``dpd`` days before the snapshot."""
    past = [row for row in rows if row.due_date <= snapshot]
    first_unpaid = _first_unpaid(past, snapshot, dpd)
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


def _installment(row: Row) -> dict:
    # fees, penalty and (for future installments) paid are mostly zero: skip formatting those
    return {
        "due_date": row.due_date.isoformat(),
        "principal": money(row.principal),
        "interest": money(row.interest),
        "fees": money(row.fees) if row.fees else ZERO,
        "penalty": money(row.penalty) if row.penalty else ZERO,
        "paid": money(row.paid) if row.paid else ZERO,
    }


def _outstanding(rows: list[Row], opening_balance: int) -> int:
    """The opening balance less the principal that payments covered (interest, fees, penalty go first)."""
    repaid = 0
    for row in rows:
        covered = max(0, row.paid - row.interest - row.fees - row.penalty)
        repaid += min(row.principal, covered)
    return max(0, opening_balance - repaid)


def make_loan(
    rng: random.Random, cif: str, account: str, snapshot: date, dpd: int, due_day: int | None = None
) -> GeneratedLoan:
    """A loan about ``dpd`` days past due at ``snapshot``; ``due_day`` (1-28) fixes the day of the month
    its installments fall due on (drawn otherwise; the draw is made either way, so a seed's portfolio
    stays the same)."""
    product, _, terms, rates, amounts = rng.choices(PRODUCTS, PRODUCT_WEIGHTS)[0]
    usd = product == "PERSONAL_LOAN" and rng.random() < 0.04
    currency, unit = ("USD", 1) if usd else ("VND", 100)
    scale = 25_000 if usd else 1
    amount = rng.randrange(amounts[0], amounts[1], 1_000_000) // scale * 100
    rate = rng.randrange(rates[0], rates[1] + 1, 25)
    term = rng.randint(*terms)
    day = rng.randint(1, 28)
    if due_day is not None:
        day = due_day
    if product in REVOLVING:
        disbursed = add_months(snapshot, -rng.randint(12, 60), day)
        first_due = add_months(snapshot, -9 if dpd < 240 else -14, day)
        balance = amount * rng.randint(30, 95) // 100 // unit * unit
        rows = revolving(balance, rate, first_due, 12 if dpd < 240 else 17, unit)
        maturity = add_months(snapshot, 36, day)
        original = amount  # the credit limit
        opening = balance  # the drawn balance at the first statement of the schedule
    else:
        elapsed = max(rng.randint(1, term + 6) if term < 100 else rng.randint(1, 120), dpd // 30 + 2)
        disbursed = add_months(snapshot, -elapsed, day)
        rows = annuity(amount, rate, term, add_months(disbursed, 1, day), unit)
        maturity = rows[-1].due_date
        original = opening = amount
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
        "outstanding": money(_outstanding(rows, opening)),
        "disbursement_date": disbursed.isoformat(),
        "maturity_date": max(maturity, disbursed).isoformat(),
        "interest_rate": f"{rate // 100}.{rate % 100:02d}",
        "term_months": term,
        "status": "CLOSED" if closed else "OPEN",
        "installments": [_installment(row) for row in rows],
        "custom_fields": {
            "risk_score": f"0.{min(999, max(1, dpd * 3 + rng.randrange(0, 400))):03d}",
            "propensity_to_pay": f"0.{rng.randrange(50, 990):03d}",
            "segment_score": rng.randint(1, 5),
        },
        "source_system": "CARDS" if product in REVOLVING else "T24",
        "as_of": snapshot.isoformat() + AS_OF_TIME,
    }
    collateral = {"AUTO_LOAN": "VEHICLE", "MORTGAGE": "PROPERTY"}.get(product)
    if product == "PERSONAL_LOAN" and not usd and rng.random() < DEPOSIT_SECURED_SHARE:
        collateral = "DEPOSIT"
    return GeneratedLoan(record, rows, unit, currency, not closed, collateral)


def make_collateral(rng: random.Random, number: str, loan: GeneratedLoan, snapshot: date) -> dict:
    record = loan.record
    kind = loan.collateral_type
    amount = int(record["original_amount"].split(".")[0])
    if kind == "VEHICLE":
        make, models = rng.choice(VEHICLES)
        details = {
            "make": make,
            "model": rng.choice(models),
            "year": str(snapshot.year - rng.randrange(0, 8)),
            "plate": f"{rng.randint(11, 99)}A-{rng.randrange(100, 999)}.{rng.randrange(10, 99)}",
        }
        value = amount * rng.randint(110, 160) // 100
    elif kind == "PROPERTY":
        details = {
            "address": f"{rng.randrange(1, 300)} {rng.choice(names.STREETS)}, {rng.choice(names.PLACES)[0]}",
            "area_m2": str(rng.randrange(40, 250)),
        }
        value = amount * rng.randint(120, 200) // 100
    else:  # a term deposit pledged against the loan, worth a little more than it
        details = {
            "deposit_number": f"TD{number[3:]}",
            "maturity_date": add_months(snapshot, rng.randint(1, 12), rng.randint(1, 28)).isoformat(),
        }
        value = amount * rng.randint(100, 120) // 100
    return {
        "collateral_number": number,
        "cif": record["cif"],
        "account_numbers": [record["account_number"]],
        "type": kind,
        "value": f"{value}.00",
        "currency": record["currency"],
        "valuation_date": (snapshot - timedelta(days=rng.randrange(30, 700))).isoformat(),
        "details": details,
        "source_system": "T24",
        "updated_at": snapshot.isoformat() + "T20:00:00+07:00",
    }
