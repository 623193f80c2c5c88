"""What happens after the snapshot (payments, reversals, duplicates) and before it (agents' actions)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from crm.generator.loans import GeneratedLoan
from crm.generator.schedules import money

RESULTS = (
    ("PROMISE_TO_PAY", 22),
    ("NO_ANSWER", 30),
    ("LEFT_MESSAGE", 12),
    ("CALLBACK", 10),
    ("REFUSED", 8),
    ("WRONG_NUMBER", 5),
    ("PAID", 8),
    ("DISPUTE", 3),
    ("CEASE_COMMUNICATION", 2),
)
METHODS = (("BANK_TRANSFER", 50), ("AUTO_DEBIT", 20), ("CASH", 15), ("CARD", 12), ("OTHER", 3))
# Chance that a delinquent loan gets a payment in the window, by how late it is.
PAY_CHANCE = ((29, 0.55), (59, 0.4), (89, 0.3), (179, 0.2), (10**6, 0.1))


def _timestamp(rng: random.Random, day: date) -> str:
    return f"{day.isoformat()}T{rng.randint(8, 19):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}+07:00"


class PaymentStream:
    """Payments of one chunk: (paid_at, line) pairs, references numbered within the chunk."""

    def __init__(self, rng: random.Random, chunk: int, snapshot: date, days: int) -> None:
        self.rng, self.chunk, self.snapshot, self.days = rng, chunk, snapshot, days
        self.items: list[tuple[str, dict]] = []
        self.sequence = 0

    def _reference(self, prefix: str) -> str:
        self.sequence += 1
        return f"{prefix}{self.chunk:05d}{self.sequence:07d}"

    def _add(self, loan: GeneratedLoan, day: date, cents: int) -> None:
        rng = self.rng
        status = rng.choices(("COMPLETED", "FAILED", "PENDING"), (975, 18, 7))[0]
        payment = {
            "reference_number": self._reference("PAY"),
            "account_number": loan.record["account_number"],
            "amount": money(cents),
            "currency": loan.currency,
            "paid_at": _timestamp(rng, day),
            "method": rng.choices([m for m, _ in METHODS], [w for _, w in METHODS])[0],
            "status": status,
        }
        self.items.append((payment["paid_at"], payment))
        if rng.random() < 0.01:  # the channel sends the very same payment twice
            self.items.append((payment["paid_at"], payment))
        last = self.snapshot + timedelta(days=self.days)
        if status == "COMPLETED" and rng.random() < 0.005 and day < last:
            undo_day = min(last, day + timedelta(days=rng.randint(1, 3)))
            reversal = {
                **payment,
                "reference_number": self._reference("REV"),
                "status": "REVERSED",
                "reverses": payment["reference_number"],
                "paid_at": _timestamp(rng, undo_day),
            }
            if reversal["paid_at"] > payment["paid_at"]:
                self.items.append((reversal["paid_at"], reversal))

    def for_loan(self, loan: GeneratedLoan, dpd: int) -> None:
        if not loan.open:
            return
        rng, first, last = (
            self.rng,
            self.snapshot + timedelta(days=1),
            self.snapshot + timedelta(days=self.days),
        )
        overdue = sum(row.due - row.paid for row in loan.rows if row.due_date <= self.snapshot)
        if overdue > 0 and rng.random() < next(p for limit, p in PAY_CHANCE if dpd <= limit):
            style = rng.random()
            if style < 0.4:
                cents = overdue
            elif style < 0.8:
                cents = overdue * rng.randint(20, 80) // 100 // loan.unit * loan.unit
            else:
                cents = next(row.due - row.paid for row in loan.rows if row.paid < row.due)
            if cents > 0:
                self._add(loan, first + timedelta(days=rng.randrange(self.days)), cents)
        on_time = 0.93 if overdue == 0 else 0.5
        for row in loan.rows:
            if first <= row.due_date <= last and rng.random() < on_time:
                day = min(last, max(first, row.due_date + timedelta(days=rng.randint(-4, 2))))
                self._add(loan, day, row.due)

    def lines(self) -> list[dict]:
        # stable sort: payments of one account stay in paid_at order, duplicates side by side
        return [payment for _, payment in sorted(self.items, key=lambda item: item[0])]


def actions_for(
    rng: random.Random,
    cif: str,
    loans: list[GeneratedLoan],
    snapshot: date,
    agents: int,
    phone: str,
    sequence: list[int],
    chunk: int,
) -> list[dict]:
    """A short history of contacts with a delinquent customer in the two weeks before the snapshot."""
    actions = []
    for _ in range(rng.choices((1, 2, 3), (50, 35, 15))[0]):
        loan = rng.choice(loans)
        overdue = sum(row.due - row.paid for row in loan.rows if row.due_date <= snapshot)
        result = rng.choices([r for r, _ in RESULTS], [w for _, w in RESULTS])[0]
        visit = rng.random() < 0.1
        sequence[0] += 1
        day = snapshot - timedelta(days=rng.randint(1, 14))
        action = {
            "action_id": f"ACT{chunk:05d}{sequence[0]:07d}",
            "cif": cif,
            "account_number": loan.record["account_number"],
            "agent_id": f"AG{rng.randrange(agents):05d}",
            "type": "VISIT" if visit else rng.choices(("CALL", "SMS", "EMAIL"), (85, 10, 5))[0],
            "subtype": "OUTBOUND" if rng.random() < 0.9 else "INBOUND",
            "result": result,
            "at": _timestamp(rng, day),
        }
        if result == "PROMISE_TO_PAY":
            amount = max(loan.unit, overdue * rng.choice((50, 100, 100)) // 100 // loan.unit * loan.unit)
            action["promise"] = {
                "date": (snapshot + timedelta(days=rng.randint(1, 10))).isoformat(),
                "amount": money(amount),
            }
            action["notes"] = "Customer promised to pay."
        if result == "CALLBACK" or rng.random() < 0.2:
            action["follow_up_date"] = (snapshot + timedelta(days=rng.randint(1, 7))).isoformat()
        if visit:
            action["visit"] = {
                "lat": round(10.7 + rng.random() / 5, 6),
                "lon": round(106.6 + rng.random() / 5, 6),
                "address": "Customer's home address",
            }
            action["contact"] = {"channel": "VISIT", "number": phone}
        else:
            action["contact"] = {"channel": "PHONE", "number": phone}
        actions.append(action)
    return sorted(actions, key=lambda a: a["at"])
